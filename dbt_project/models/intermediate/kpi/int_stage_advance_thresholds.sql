{#-
  One row per pipeline stage with the distribution of historical days-to-advance, used to call an
  open deal "stalled". Only deals that actually sat in the stage count (entered it, then advanced):
  a deal that jumped over the stage spent 0 days there and says nothing about how long the stage
  takes, and neither does a first stay seen late (its length is unknown). Invalid deals are
  excluded upstream. The whole history is used (reproducible: no clock).
-#}
with

stages_reached as (

    select * from {{ ref('int_opportunity_stages_reached') }}

),

final as (

    select
        pipeline_key,
        stage_key,
        count(*) as advanced_deals,
        avg(days_to_advance) as avg_days_to_advance,
        {{ percentile_cont('days_to_advance', 0.75) }} as p75_days_to_advance

    from stages_reached
    where is_advanced and not is_skipped and not is_first_seen_late
    group by pipeline_key, stage_key

)

select * from final
