{#-
  One row per opportunity with a transition: its current state, the state its latest transition
  (highest seq) entered, a stage key or an outcome. The one definition of "current state" that
  fct_opportunities (current_state, outcome) and dim_prospects (invalid deals make no prospect) read.
-#}
with

transitions as (

    select * from {{ ref('int_stage_transitions_sequenced') }}

),

ranked as (

    select
        opportunity_id,
        pipeline_key,
        to_state,
        seq,
        transitioned_at,
        row_number() over (partition by opportunity_id order by seq desc) as recency_rank

    from transitions

),

final as (

    select
        opportunity_id,
        pipeline_key,
        to_state as current_state,
        seq as current_seq,
        transitioned_at as current_state_at

    from ranked
    where recency_rank = 1

)

select * from final
