{#-
  One row per (month_start, pipeline_key, scope_type, scope_id, stage_key): the funnel by cohort.
  month_start is the business month in which the deals reached the stage; reached / advanced / days
  follow kpi-definitions.md (a skipped stage is reached and advanced with 0 days; a won deal reached
  and advanced from every stage; invalid deals are excluded). Scopes: company, team (the current owner's
  team when the deal reached the stage, int_opportunity_stages_reached.team), rep (the current owner). For every (month, pipeline, scope) with any
  reached stage, every stage of the pipeline has a row (reached 0 and NULL rates where none reached).
  is_bottleneck marks the stage with the lowest non-NULL conversion_rate in its (month, pipeline,
  scope); ties go to the earliest stage.
-#}
{%- set scope_columns = {'company': "'all'", 'team': "coalesce(team, 'unknown')", 'rep': 'owner_id'} %}
with

stages_reached as (

    select * from {{ ref('int_opportunity_stages_reached') }}

),

stages as (

    select * from {{ ref('dim_stages') }}

),

outcomes as (

    select * from {{ ref('outcome_states') }}

),

pipeline_stages as (

    select
        stages.pipeline_key,
        stages.state_key as stage_key,
        stages.stage_order,
        stages.state_name as stage_name,
        stages.state_name_en as stage_name_en,
        coalesce(
            lead(stages.state_key) over (partition by stages.pipeline_key order by stages.stage_order),
            won.state_key
        ) as next_state_key

    from stages
    cross join (select state_key from outcomes where is_won) as won
    where stages.state_kind = 'stage'

),

scoped_reach as (

    {%- for scope_type, scope_expr in scope_columns.items() %}
    select
        reached_month_start as month_start,
        pipeline_key,
        '{{ scope_type }}' as scope_type,
        cast({{ scope_expr }} as {{ dbt.type_string() }}) as scope_id,
        stage_key,
        is_advanced,
        is_skipped,
        days_to_advance,
        is_lost_here

    from stages_reached
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

stage_totals as (

    select
        month_start,
        pipeline_key,
        scope_type,
        scope_id,
        stage_key,
        count(*) as reached,
        sum(case when is_advanced then 1 else 0 end) as advanced,
        sum(case when is_skipped then 1 else 0 end) as skipped,
        {{ stable_avg('days_to_advance') }} as avg_days_to_advance,
        {{ median('days_to_advance') }} as median_days_to_advance,
        sum(case when is_lost_here then 1 else 0 end) as lost_here

    from scoped_reach
    group by month_start, pipeline_key, scope_type, scope_id, stage_key

),

cohorts as (

    select distinct month_start, pipeline_key, scope_type, scope_id
    from stage_totals

),

funnel_rows as (

    select
        cohorts.month_start,
        cohorts.pipeline_key,
        cohorts.scope_type,
        cohorts.scope_id,
        pipeline_stages.stage_key,
        pipeline_stages.stage_order,
        pipeline_stages.stage_name,
        pipeline_stages.stage_name_en,
        pipeline_stages.next_state_key,
        coalesce(stage_totals.reached, 0) as reached,
        coalesce(stage_totals.advanced, 0) as advanced,
        coalesce(stage_totals.skipped, 0) as skipped,
        {{ safe_divide('stage_totals.advanced', 'stage_totals.reached') }} as conversion_rate,
        stage_totals.avg_days_to_advance,
        stage_totals.median_days_to_advance,
        coalesce(stage_totals.lost_here, 0) as lost_here

    from cohorts
    inner join pipeline_stages
        on cohorts.pipeline_key = pipeline_stages.pipeline_key
    left join stage_totals
        on cohorts.month_start = stage_totals.month_start
        and cohorts.pipeline_key = stage_totals.pipeline_key
        and cohorts.scope_type = stage_totals.scope_type
        and cohorts.scope_id = stage_totals.scope_id
        and pipeline_stages.stage_key = stage_totals.stage_key

),

bottlenecks_ranked as (

    select
        funnel_rows.*,
        row_number() over (
            partition by month_start, pipeline_key, scope_type, scope_id
            order by case when conversion_rate is null then 1 else 0 end, conversion_rate, stage_order
        ) as bottleneck_rank

    from funnel_rows

),

final as (

    select
        month_start,
        pipeline_key,
        scope_type,
        scope_id,
        stage_key,
        cast(stage_order as integer) as stage_order,
        stage_name,
        stage_name_en,
        next_state_key,
        cast(reached as integer) as reached,
        cast(advanced as integer) as advanced,
        cast(skipped as integer) as skipped,
        cast(conversion_rate as double) as conversion_rate,
        cast(avg_days_to_advance as double) as avg_days_to_advance,
        cast(median_days_to_advance as double) as median_days_to_advance,
        cast(lost_here as integer) as lost_here,
        bottleneck_rank = 1 and conversion_rate is not null as is_bottleneck

    from bottlenecks_ranked

)

select * from final
