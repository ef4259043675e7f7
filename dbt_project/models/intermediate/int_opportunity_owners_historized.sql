{#-
  One row per opportunity and owner period. Successive snapshots where the owner changed open a new
  period: it starts at the snapshot's updated_at when that falls after the previous snapshot's
  delivery (the change happened in between), else at the snapshot's delivery time. The first period
  reaches back to the beginning of time ("where no earlier snapshot exists, the current owner").
-#}
with

snapshots as (

    select * from {{ ref('stg_crm__opportunity_snapshots') }}

),

snapshots_ordered as (

    select
        opportunity_id,
        owner_id,
        updated_at,
        delivered_at,
        lag(owner_id) over (
            partition by opportunity_id order by delivered_at, source_file, source_line
        ) as previous_owner_id,
        lag(delivered_at) over (
            partition by opportunity_id order by delivered_at, source_file, source_line
        ) as previous_delivered_at,
        row_number() over (
            partition by opportunity_id order by delivered_at, source_file, source_line
        ) as snapshot_number

    from snapshots

),

owner_changes as (

    select
        opportunity_id,
        owner_id,
        case
            when snapshot_number = 1 then {{ beginning_of_time() }}
            when updated_at > previous_delivered_at and updated_at <= delivered_at then updated_at
            else delivered_at
        end as valid_from

    from snapshots_ordered
    where snapshot_number = 1 or owner_id <> previous_owner_id

),

final as (

    select
        opportunity_id,
        owner_id,
        valid_from,
        lead(valid_from) over (partition by opportunity_id order by valid_from) as valid_to

    from owner_changes

)

select * from final
