{#-
  Currency conversion (extract contract §3 fx_rates, kpi-definitions.md): an amount in currency X dated
  in business month M uses the rate of (X, M), else the latest earlier month's; the reporting currency
  (var `reporting_currency`, from pipelines.yml) needs none. No rate: NULL, never the unconverted amount.
-#}

{#-
  An ISO code as delivered, trimmed and upper-cased; RMB (the renminbi's everyday name) is CNY, and so is
  an empty currency (the contract's default for opportunities).
-#}
{% macro currency_code(col) -%}
    case when upper(trim({{ col }})) = 'RMB' then 'CNY' else coalesce(nullif(upper(trim({{ col }})), ''), 'CNY') end
{%- endmacro %}

{#- Rates as validity ranges: a month's rate holds from that month until the currency's next rate month. -#}
{% macro fx_rate_ranges(fx_rates) -%}
    select
        currency,
        rate,
        month_start as valid_from,
        lead(month_start) over (partition by currency order by month_start) as valid_to
    from {{ fx_rates }}
{%- endmacro %}

{#- Join the rate range (alias `rate_ranges`) that covers the business month of `dated_at`. -#}
{% macro join_fx_rate(rate_ranges, currency, dated_at) -%}
    left join {{ rate_ranges }}
        on {{ rate_ranges }}.currency = {{ currency }}
        and {{ business_month_start(dated_at) }} >= {{ rate_ranges }}.valid_from
        and ({{ rate_ranges }}.valid_to is null or {{ business_month_start(dated_at) }} < {{ rate_ranges }}.valid_to)
{%- endmacro %}

{#- The amount in the reporting currency: unchanged in it, times the rate otherwise, NULL without a rate. -#}
{% macro in_reporting_currency(amount, currency, rate) -%}
    case
        when {{ currency }} = '{{ var("reporting_currency") }}' then {{ amount }}
        else {{ amount }} * {{ rate }}
    end
{%- endmacro %}
