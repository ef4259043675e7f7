{#-
  One row: the settings every figure of the marts follows (pipelines.yml, passed as dbt vars), so that
  a report or BI tool reading only the published marts labels months and amounts correctly.
-#}
with

final as (

    select
        cast('{{ var("business_timezone") }}' as varchar) as business_timezone,
        cast('{{ var("reporting_currency") }}' as varchar) as reporting_currency

)

select * from final
