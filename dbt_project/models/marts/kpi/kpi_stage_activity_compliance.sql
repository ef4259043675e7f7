{#-
  One row per (month_start, pipeline_key, stage_key, rep_id) with at least one visit: month_start is
  the business month the visit began, rep_id the deal owner at that time. Invalid deals are left
  out. Only stages that list required_activities have a compliance share: the share of completed
  visits (the deal left the stage) that had all of them; a visit still in progress may yet do them.
  The win rates compare closed (won or lost) deals' visits with and without the required activities;
  a deal that visited the stage twice counts once per visit.
-#}
with

visits as (

    select * from {{ ref('fct_stage_visit_activity') }}
    where opportunity_outcome <> 'invalid'

),

final as (

    select
        entered_month_start as month_start,
        pipeline_key,
        stage_key,
        owner_id as rep_id,
        cast(count(*) as integer) as visits,
        cast(sum(case when not is_current_visit then 1 else 0 end) as integer) as completed_visits,
        count(has_required_activities) > 0 as has_requirements,
        cast(sum(case when not is_current_visit and has_required_activities then 1 else 0 end) as integer)
            as visits_with_required_activities,
        cast({{ safe_divide(
            'sum(case when not is_current_visit and has_required_activities then 1 else 0 end)',
            'sum(case when not is_current_visit and has_required_activities is not null then 1 else 0 end)') }}
            as double) as required_activity_share,
        cast(sum(case when has_required_activities and opportunity_outcome in ('won', 'lost') then 1 else 0 end)
            as integer) as closed_with_required,
        cast(sum(case when has_required_activities and opportunity_outcome = 'won' then 1 else 0 end) as integer)
            as won_with_required,
        cast({{ safe_divide(
            "sum(case when has_required_activities and opportunity_outcome = 'won' then 1 else 0 end)",
            "sum(case when has_required_activities and opportunity_outcome in ('won', 'lost') then 1 else 0 end)") }}
            as double) as win_rate_with_required,
        cast(sum(case when not has_required_activities and opportunity_outcome in ('won', 'lost') then 1 else 0 end)
            as integer) as closed_without_required,
        cast(sum(case when not has_required_activities and opportunity_outcome = 'won' then 1 else 0 end) as integer)
            as won_without_required,
        cast({{ safe_divide(
            "sum(case when not has_required_activities and opportunity_outcome = 'won' then 1 else 0 end)",
            "sum(case when not has_required_activities and opportunity_outcome in ('won', 'lost') then 1 else 0 end)") }}
            as double) as win_rate_without_required

    from visits
    group by entered_month_start, pipeline_key, stage_key, owner_id

)

select * from final
