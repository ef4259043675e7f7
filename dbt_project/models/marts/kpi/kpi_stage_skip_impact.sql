{#-
  One row per (half_year_start, pipeline_key, stage_key) with at least one closed deal that reached
  the stage: does skipping a stage hurt? Deals closed (won or lost; never invalid) in the half-year
  (by closed_at, business time) that reached the stage are split into those that skipped it (reached
  it without ever entering it, by a forward jump or by being created past it) and those that went
  through it (entered it). Stages within a first stay seen late (no stage log) are left out: whether
  the deal went through them is unknown. Because a skipping deal has by definition already got past the stage, the
  like-for-like comparison is also given: deals that went through it and advanced (through_advanced_*).
  Win rate = won / closed; average sales cycle over the won deals (first contact to close).
-#}
with

stages_reached as (

    select * from {{ ref('int_opportunity_stages_reached') }}
    where outcome in ('won', 'lost') and not is_first_seen_late

),

closed_reach as (

    select
        {{ half_year_start(business_month_start('closed_at')) }} as half_year_start,
        pipeline_key,
        stage_key,
        stage_order,
        is_required,
        is_skipped,
        is_advanced,
        case when outcome = 'won' then 1 else 0 end as is_won,
        case when outcome = 'won' then sales_cycle_days end as won_sales_cycle_days

    from stages_reached

),

final as (

    select
        half_year_start,
        cast(extract(year from half_year_start) as {{ dbt.type_string() }})
            || case when extract(month from half_year_start) = 1 then '-H1' else '-H2' end as half_year,
        pipeline_key,
        stage_key,
        cast(stage_order as integer) as stage_order,
        is_required,
        cast(sum(case when is_skipped then 1 else 0 end) as integer) as skipped_deals,
        cast(sum(case when is_skipped then is_won else 0 end) as integer) as skipped_won_deals,
        cast({{ safe_divide('sum(case when is_skipped then is_won else 0 end)',
                            'sum(case when is_skipped then 1 else 0 end)') }} as double) as skipped_win_rate,
        cast({{ stable_avg('case when is_skipped then won_sales_cycle_days end') }} as double) as skipped_avg_sales_cycle_days,
        cast(sum(case when not is_skipped then 1 else 0 end) as integer) as through_deals,
        cast(sum(case when not is_skipped then is_won else 0 end) as integer) as through_won_deals,
        cast({{ safe_divide('sum(case when not is_skipped then is_won else 0 end)',
                            'sum(case when not is_skipped then 1 else 0 end)') }} as double) as through_win_rate,
        cast({{ stable_avg('case when not is_skipped then won_sales_cycle_days end') }} as double) as through_avg_sales_cycle_days,
        cast(sum(case when not is_skipped and is_advanced then 1 else 0 end) as integer) as through_advanced_deals,
        cast({{ safe_divide('sum(case when not is_skipped and is_advanced then is_won else 0 end)',
                            'sum(case when not is_skipped and is_advanced then 1 else 0 end)') }} as double)
            as through_advanced_win_rate

    from closed_reach
    group by half_year_start, pipeline_key, stage_key, stage_order, is_required

)

select * from final
