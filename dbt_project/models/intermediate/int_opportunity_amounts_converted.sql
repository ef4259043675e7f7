{#-
  One row per delivered opportunity row (snapshot) with an amount: that amount in the reporting
  currency, dated by the row's own closed_at (else created_at), as the forecast knows it at each
  delivery. NULL `amount` when no rate applies (see macros/currency.sql). is_reported_closed: the row
  reports a closed deal (an outcome status, or a closed_at), so its amount says nothing about the
  deal while it was open.
-#}
with

snapshots as (

    select * from {{ ref('stg_crm__opportunity_snapshots') }}

),

fx_rates as (

    {{ fx_rate_ranges(ref('stg_crm__fx_rates')) }}

),

converted as (

    select
        snapshots.opportunity_id,
        {{ in_reporting_currency('snapshots.amount', 'snapshots.currency', 'fx_rates.rate') }} as amount,
        snapshots.amount as amount_original,
        snapshots.currency,
        coalesce(snapshots.status in ('won', 'lost', 'invalid'), false) or snapshots.reported_closed_at is not null
            as is_reported_closed,
        snapshots.updated_at,
        snapshots.delivered_at,
        snapshots.source_file,
        snapshots.source_line

    from snapshots
    {{ join_fx_rate('fx_rates', 'snapshots.currency', 'coalesce(snapshots.reported_closed_at, snapshots.created_at)') }}
    where snapshots.amount is not null

)

select * from converted
