{#-
  A table rebuilt from the whole history on every run: the transitions of an opportunity depend on all
  of its log rows and snapshots, the stage configuration and the owner history, any of which can
  change in a later delivery; rebuilding keeps every order of arrival exact.
-#}
with

transitions as (

    select * from {{ ref('int_stage_transitions_sequenced') }}

),

final as (

    select
        opportunity_id,
        pipeline_key,
        cast(seq as integer) as seq,
        from_state,
        to_state,
        transitioned_at,
        cast(days_in_from_state as double) as days_in_from_state,
        is_forward,
        is_skip,
        cast(stages_skipped as integer) as stages_skipped,
        is_regression,
        is_reopen,
        is_close,
        origin,
        first_seen_late,
        owner_id,
        _loaded_at

    from transitions

)

select * from final
