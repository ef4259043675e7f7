{#-
  One row: the settings every figure of the marts follows (pipelines.yml, passed as dbt vars), so that
  a report or BI tool reading only the published marts labels months and amounts correctly.
-#}
with

final as (

    select
        cast('{{ var("business_timezone") }}' as {{ dbt.type_string() }}) as business_timezone,
        cast('{{ var("reporting_currency") }}' as {{ dbt.type_string() }}) as reporting_currency

)

select * from final
