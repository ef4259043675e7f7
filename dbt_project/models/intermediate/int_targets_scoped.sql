{#-
  Targets (crm/targets) in the scope vocabulary of the KPI marts, the one place that maps it:
  CRM scope `user` is scope_type 'rep'; the company target is scope ('company', 'all'); teams and
  pipelines keep their ids. kpi_target_attainment and kpi_rep_scorecard both read targets here.
-#}
with

targets as (

    select * from {{ ref('stg_crm__targets') }}

),

final as (

    select
        targets.month_start,
        case targets.scope_type when 'user' then 'rep' else targets.scope_type end as scope_type,
        case when targets.scope_type = 'company' then 'all' else targets.scope_id end as scope_id,
        targets.metric,
        targets.target

    from targets

)

select * from final
