{#-
  Successive versions of each CRM user, the source of team history. Ingest keeps every delivered
  opportunity row (raw.crm__opportunity_snapshots) but, for users, so far only the latest row: until
  `raw.crm__user_snapshots` (every delivered users row with `_delivered_at`) exists, each user has one
  version, valid since the beginning of time.
  depends_on: {{ source('crm', 'user_snapshots') }}
-#}
{%- set snapshots = adapter.get_relation(
        database=source('crm', 'user_snapshots').database,
        schema=source('crm', 'user_snapshots').schema,
        identifier=source('crm', 'user_snapshots').identifier) if execute else none %}

with

source as (

    {% if snapshots is not none -%}
    select * from {{ source('crm', 'user_snapshots') }}
    {%- else -%}
    select *, cast(null as {{ type_timestamptz() }}) as _delivered_at from {{ source('crm', 'users') }}
    {%- endif %}

),

renamed as (

    select
        user_id,
        name as user_name,
        wecom_userid,
        team,
        manager_id,
        active as is_active,
        left_at,
        _delivered_at as delivered_at,
        _source_file as source_file,
        _loaded_at as loaded_at

    from source

)

select * from renamed
