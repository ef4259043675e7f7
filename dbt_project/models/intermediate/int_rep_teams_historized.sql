{#-
  One row per CRM user and period of unchanged (team, manager_id), from successive users versions.
  The first period reaches back to the beginning of time; a later one starts at the delivery time of
  the first version that shows the change. valid_to is the next period's start (NULL: current).
-#}
with

user_versions as (

    select * from {{ ref('stg_crm__user_snapshots') }}

),

versions_ordered as (

    select
        user_id,
        team,
        manager_id,
        delivered_at,
        lag(team) over (partition by user_id order by delivered_at, source_file) as previous_team,
        lag(manager_id) over (partition by user_id order by delivered_at, source_file) as previous_manager_id,
        row_number() over (partition by user_id order by delivered_at, source_file) as version_number

    from user_versions

),

changes as (

    select
        user_id as rep_id,
        team,
        manager_id,
        case when version_number = 1 then {{ beginning_of_time() }} else delivered_at end as valid_from

    from versions_ordered
    where version_number = 1
        or coalesce(team, '') <> coalesce(previous_team, '')
        or coalesce(manager_id, '') <> coalesce(previous_manager_id, '')

),

final as (

    select
        rep_id,
        team,
        manager_id,
        valid_from,
        lead(valid_from) over (partition by rep_id order by valid_from) as valid_to

    from changes

)

select * from final
