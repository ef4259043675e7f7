{#-
  One row per stage transition of an opportunity: the whole history, rebuilt from the log and the
  snapshots. Rules (also in int_stage_transitions_sequenced.yml):
  - Log rows resolve against the opportunity's (current) pipeline through state_lookup; rows of unknown
    opportunities or spellings of another pipeline are dropped.
  - Snapshot observations (status outcome, else resolved stage) count at updated_at, else delivery
    time; an observed outcome counts at the row's closed_at first (extract contract §3). With log
    rows, only observations at or after the last log row count: a snapshot older than the last
    logged change does not override the log.
  - Without log rows, a creation entry at created_at into the earliest snapshot's stage. When that
    snapshot is already closed, the creation entry goes into the stage its stage column names, else
    the pipeline's first stage, and the outcome follows at closed_at (never at created_at). A deal
    observed before its created_at (closed_at or updated_at earlier: the raw checks warn) is created
    at its first observation instead, so that its history still starts with its creation.
  - first_seen_late: the creation entry of a deal without log rows whose earliest snapshot is past
    the pipeline's first stage (or closed without naming an open stage at its first one). How long
    that first stay lasted is unknown: the transition that ends it has no days_in_from_state.
  - Events are ordered by time, then created < log < snapshot, then stage order (outcomes last); an
    event into the state already held is not a transition (duplicates and repeats collapse).
-#}
with

stage_changes as (

    select * from {{ ref('stg_crm__stage_changes') }}

),

snapshots as (

    select * from {{ ref('stg_crm__opportunity_snapshots') }}

),

state_lookup as (

    select * from {{ ref('stg_config__state_lookup') }}

),

stages as (

    select * from {{ ref('stg_config__stages') }}

),

owners as (

    select * from {{ ref('int_opportunity_owners_historized') }}

),

snapshots_ranked as (

    select
        snapshots.*,
        row_number() over (
            partition by opportunity_id order by delivered_at desc, source_file desc, source_line desc
        ) as recency_rank,
        row_number() over (
            partition by opportunity_id order by delivered_at, source_file, source_line
        ) as age_rank

    from snapshots

),

opportunities as (

    select opportunity_id, pipeline_key, created_at
    from snapshots_ranked
    where recency_rank = 1

),

pipeline_bounds as (

    {{ pipeline_bounds('stages') }}

),

first_stages as (

    select stages.pipeline_key, stages.stage_key
    from stages
    inner join pipeline_bounds
        on stages.pipeline_key = pipeline_bounds.pipeline_key
        and stages.stage_order = pipeline_bounds.first_stage_order

),

log_events as (

    select
        stage_changes.opportunity_id,
        state_lookup.state_key,
        stage_changes.changed_at as event_at,
        'log' as origin,
        1 as origin_rank,
        false as first_seen_late

    from stage_changes
    inner join opportunities
        on stage_changes.opportunity_id = opportunities.opportunity_id
    inner join state_lookup
        on opportunities.pipeline_key = state_lookup.pipeline_key
        and stage_changes.stage_spelling = state_lookup.spelling

),

log_bounds as (

    select opportunity_id, max(event_at) as last_log_at
    from log_events
    group by opportunity_id

),

snapshot_states as (

    select
        snapshots_ranked.opportunity_id,
        snapshots_ranked.pipeline_key,
        {{ opportunity_state('snapshots_ranked.status', 'state_lookup.state_key') }} as state_key,
        state_lookup.state_key as stage_column_state_key,
        snapshots_ranked.reported_closed_at as closed_at,
        coalesce(snapshots_ranked.updated_at, snapshots_ranked.delivered_at) as updated_or_delivered_at,
        snapshots_ranked.age_rank

    from snapshots_ranked
    inner join opportunities
        on snapshots_ranked.opportunity_id = opportunities.opportunity_id
        and snapshots_ranked.pipeline_key = opportunities.pipeline_key
    left join state_lookup
        on snapshots_ranked.pipeline_key = state_lookup.pipeline_key
        and snapshots_ranked.stage_spelling = state_lookup.spelling

),

{#- An observed outcome happened at the row's closed_at when it has one (contract §3). -#}
snapshot_states_timed as (

    select
        snapshot_states.*,
        state_stage.stage_key is null as is_outcome,
        column_stage.stage_key as stage_column_stage_key,
        case
            when state_stage.stage_key is null
                then coalesce(snapshot_states.closed_at, snapshot_states.updated_or_delivered_at)
            else snapshot_states.updated_or_delivered_at
        end as observed_at

    from snapshot_states
    left join stages as state_stage
        on snapshot_states.pipeline_key = state_stage.pipeline_key
        and snapshot_states.state_key = state_stage.stage_key
    left join stages as column_stage
        on snapshot_states.pipeline_key = column_stage.pipeline_key
        and snapshot_states.stage_column_state_key = column_stage.stage_key
    where snapshot_states.state_key is not null

),

snapshot_events as (

    select
        snapshot_states_timed.opportunity_id,
        snapshot_states_timed.state_key,
        snapshot_states_timed.observed_at as event_at,
        'snapshot' as origin,
        2 as origin_rank,
        false as first_seen_late

    from snapshot_states_timed
    left join log_bounds
        on snapshot_states_timed.opportunity_id = log_bounds.opportunity_id
    where log_bounds.last_log_at is null or snapshot_states_timed.observed_at >= log_bounds.last_log_at

),

first_snapshot_states as (

    select
        snapshot_states_timed.*,
        row_number() over (partition by opportunity_id order by age_rank) as state_rank

    from snapshot_states_timed

),

{#- The first instant any snapshot shows the deal: a creation is never later than that. -#}
first_observations as (

    select opportunity_id, min(observed_at) as first_observed_at
    from snapshot_states_timed
    group by opportunity_id

),

{#- Deals without log rows: created at created_at in the earliest snapshot's stage (contract §3). -#}
creation_stages as (

    select
        first_snapshot_states.opportunity_id,
        case
            when not first_snapshot_states.is_outcome then first_snapshot_states.state_key
            else coalesce(first_snapshot_states.stage_column_stage_key, first_stages.stage_key)
        end as state_key,
        first_snapshot_states.is_outcome and first_snapshot_states.stage_column_stage_key is null
            as is_stage_unknown

    from first_snapshot_states
    inner join first_stages
        on first_snapshot_states.pipeline_key = first_stages.pipeline_key
    where first_snapshot_states.state_rank = 1

),

creation_events as (

    select
        opportunities.opportunity_id,
        creation_stages.state_key,
        least(opportunities.created_at, first_observations.first_observed_at) as event_at,
        'created' as origin,
        0 as origin_rank,
        creation_stages.is_stage_unknown or creation_stages.state_key <> first_stages.stage_key as first_seen_late

    from opportunities
    inner join creation_stages
        on opportunities.opportunity_id = creation_stages.opportunity_id
    inner join first_stages
        on opportunities.pipeline_key = first_stages.pipeline_key
    inner join first_observations
        on opportunities.opportunity_id = first_observations.opportunity_id
    left join log_bounds
        on opportunities.opportunity_id = log_bounds.opportunity_id
    where log_bounds.opportunity_id is null

),

events_unioned as (

    select * from log_events
    union all
    select * from snapshot_events
    union all
    select * from creation_events

),

events_ordered as (

    select
        events_unioned.*,
        opportunities.pipeline_key,
        lag(events_unioned.state_key) over (
            partition by events_unioned.opportunity_id
            order by events_unioned.event_at, events_unioned.origin_rank,
                coalesce(stages.stage_order, pipeline_bounds.last_stage_order + 1), events_unioned.state_key
        ) as previous_event_state,
        row_number() over (
            partition by events_unioned.opportunity_id
            order by events_unioned.event_at, events_unioned.origin_rank,
                coalesce(stages.stage_order, pipeline_bounds.last_stage_order + 1), events_unioned.state_key
        ) as event_number

    from events_unioned
    inner join opportunities
        on events_unioned.opportunity_id = opportunities.opportunity_id
    inner join pipeline_bounds
        on opportunities.pipeline_key = pipeline_bounds.pipeline_key
    left join stages
        on opportunities.pipeline_key = stages.pipeline_key
        and events_unioned.state_key = stages.stage_key

),

transitions as (

    select
        opportunity_id,
        pipeline_key,
        state_key as to_state,
        event_at as transitioned_at,
        origin,
        first_seen_late,
        row_number() over (partition by opportunity_id order by event_number) as seq,
        lag(state_key) over (partition by opportunity_id order by event_number) as from_state,
        lag(event_at) over (partition by opportunity_id order by event_number) as from_state_entered_at,
        lag(first_seen_late) over (partition by opportunity_id order by event_number) as is_from_unknown_stay

    from events_ordered
    where previous_event_state is null or previous_event_state <> state_key

),

transitions_classified as (

    select
        transitions.*,
        from_stage.stage_order as from_stage_order,
        to_stage.stage_order as to_stage_order,
        pipeline_bounds.last_stage_order,
        transitions.from_state is not null and from_stage.stage_key is null as is_from_outcome,
        to_stage.stage_key is null as is_to_outcome

    from transitions
    inner join pipeline_bounds
        on transitions.pipeline_key = pipeline_bounds.pipeline_key
    left join stages as from_stage
        on transitions.pipeline_key = from_stage.pipeline_key
        and transitions.from_state = from_stage.stage_key
    left join stages as to_stage
        on transitions.pipeline_key = to_stage.pipeline_key
        and transitions.to_state = to_stage.stage_key

),

transitions_flagged as (

    select
        opportunity_id,
        pipeline_key,
        seq,
        from_state,
        to_state,
        transitioned_at,
        case
            when from_state is not null and not is_from_unknown_stay
                then {{ days_between('from_state_entered_at', 'transitioned_at') }}
        end as days_in_from_state,
        case
            when from_stage_order is null then false
            when to_stage_order is not null then to_stage_order > from_stage_order
            else to_state = 'won'
        end as is_forward,
        case
            when from_stage_order is not null and to_stage_order > from_stage_order
                then to_stage_order - from_stage_order - 1
            when from_stage_order is not null and to_state = 'won'
                then last_stage_order - from_stage_order
            else 0
        end as stages_skipped,
        coalesce(from_stage_order is not null and to_stage_order < from_stage_order, false) as is_regression,
        is_from_outcome and not is_to_outcome as is_reopen,
        is_to_outcome as is_close,
        origin,
        first_seen_late

    from transitions_classified

),

opportunity_loads as (

    select opportunity_id, max(loaded_at) as loaded_at
    from (
        select opportunity_id, loaded_at from snapshots
        union all
        select opportunity_id, loaded_at from stage_changes
    ) as loads
    group by opportunity_id

),

final as (

    select
        transitions_flagged.opportunity_id,
        transitions_flagged.pipeline_key,
        transitions_flagged.seq,
        transitions_flagged.from_state,
        transitions_flagged.to_state,
        transitions_flagged.transitioned_at,
        transitions_flagged.days_in_from_state,
        transitions_flagged.is_forward,
        transitions_flagged.is_forward and transitions_flagged.stages_skipped > 0 as is_skip,
        transitions_flagged.stages_skipped,
        transitions_flagged.is_regression,
        transitions_flagged.is_reopen,
        transitions_flagged.is_close,
        transitions_flagged.origin,
        transitions_flagged.first_seen_late,
        owners.owner_id,
        opportunity_loads.loaded_at as _loaded_at

    from transitions_flagged
    inner join opportunity_loads
        on transitions_flagged.opportunity_id = opportunity_loads.opportunity_id
    left join owners
        on transitions_flagged.opportunity_id = owners.opportunity_id
        and transitions_flagged.transitioned_at >= owners.valid_from
        and (owners.valid_to is null or transitions_flagged.transitioned_at < owners.valid_to)

)

select * from final
