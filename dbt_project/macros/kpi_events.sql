{#-
  The KPI events behind kpi_monthly and the governed metrics (models/semantic/): their one home.
  Emits CTEs ending in `kpi_events`, one row per event, each in the business month of its own instant
  (kpi-definitions.md): a closed deal (won or lost, never invalid) at closed_at; a prospect (lead) at
  its first contact; a new customer at the closed_at of the prospect's first won deal. The caller
  defines three CTEs first: `opportunities` (fct_opportunities), `prospects` (dim_prospects) and
  `rep_teams` (int_rep_teams_historized). Deals belong to their current owner and the team of the
  close month (fct_opportunities.team); leads to the prospect's attributed rep and that rep's team at
  the first contact (rep_team_at); new customers follow their first won deal. Amounts are in the
  reporting currency; one that could not be converted counts 0 and its won deal is counted in
  won_deals_unconverted. Missing rep, team and lead source are 'unknown'; a lead has no pipeline.
-#}
{% macro kpi_event_ctes() -%}
closed_deal_events as (

    select
        {{ business_month_start('closed_at') }} as month_start,
        'closed_deal' as event_type,
        opportunity_id,
        prospect_id,
        owner_id as rep_id,
        team,
        lead_source,
        pipeline_key,
        case when outcome = 'won' then 1 else 0 end as won_deals,
        case when outcome = 'lost' then 1 else 0 end as lost_deals,
        case when outcome = 'won' then coalesce(amount, 0) else 0 end as won_amount,
        case when outcome = 'lost' then coalesce(amount, 0) else 0 end as lost_amount,
        case when outcome = 'won' and amount is null and amount_original is not null then 1 else 0 end
            as won_deals_unconverted,
        sales_cycle_days,
        0 as new_leads,
        0 as converted_leads,
        0 as new_customers,
        {{ real('0.0') }} as new_customer_amount

    from opportunities
    where outcome in ('won', 'lost')

),

prospects_converted as (

    select distinct prospect_id
    from opportunities
    where outcome <> 'invalid' and prospect_id is not null

),

lead_events as (

    select
        cast({{ dbt.date_trunc('month', 'prospects.first_contact_date') }} as date) as month_start,
        'lead' as event_type,
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        prospects.prospect_id,
        prospects.attributed_rep_id as rep_id,
        rep_teams.team,
        prospects.lead_source,
        cast(null as {{ dbt.type_string() }}) as pipeline_key,
        0 as won_deals,
        0 as lost_deals,
        {{ real('0.0') }} as won_amount,
        {{ real('0.0') }} as lost_amount,
        0 as won_deals_unconverted,
        cast(null as double) as sales_cycle_days,
        1 as new_leads,
        case when prospects_converted.prospect_id is not null then 1 else 0 end as converted_leads,
        0 as new_customers,
        {{ real('0.0') }} as new_customer_amount

    from prospects
    left join prospects_converted
        on prospects.prospect_id = prospects_converted.prospect_id
    left join rep_teams
        on {{ rep_team_at('rep_teams', 'prospects.attributed_rep_id', 'prospects.first_contact_at') }}
    where prospects.first_contact_date is not null

),

won_deals_ranked as (

    select
        opportunities.*,
        row_number() over (
            partition by prospect_id order by closed_at, opportunity_id
        ) as won_rank

    from opportunities
    where outcome = 'won' and prospect_id is not null

),

new_customer_events as (

    select
        {{ business_month_start('closed_at') }} as month_start,
        'new_customer' as event_type,
        opportunity_id,
        prospect_id,
        owner_id as rep_id,
        team,
        lead_source,
        pipeline_key,
        0 as won_deals,
        0 as lost_deals,
        {{ real('0.0') }} as won_amount,
        {{ real('0.0') }} as lost_amount,
        0 as won_deals_unconverted,
        cast(null as double) as sales_cycle_days,
        0 as new_leads,
        0 as converted_leads,
        1 as new_customers,
        coalesce(amount, 0) as new_customer_amount

    from won_deals_ranked
    where won_rank = 1

),

events_unioned as (

    select * from closed_deal_events
    union all
    select * from lead_events
    union all
    select * from new_customer_events

),

kpi_events as (

    select
        month_start,
        event_type,
        opportunity_id,
        prospect_id,
        coalesce(rep_id, 'unknown') as rep_id,
        coalesce(team, 'unknown') as team,
        coalesce(lead_source, 'unknown') as lead_source,
        pipeline_key,
        won_deals,
        lost_deals,
        won_amount,
        lost_amount,
        won_deals_unconverted,
        sales_cycle_days,
        new_leads,
        converted_leads,
        new_customers,
        new_customer_amount

    from events_unioned

)
{%- endmacro %}
