{#-
  Business-time helpers. Timestamps are stored as UTC instants (TIMESTAMPTZ); dates and months are taken
  in the business time zone (var `business_timezone`, from pipelines.yml). Dispatched so that the same
  project runs on Spark, whose functions differ.
-#}

{% macro to_business_timestamp(ts) -%}
    {{ return(adapter.dispatch('to_business_timestamp', 'stagewise')(ts)) }}
{%- endmacro %}

{% macro default__to_business_timestamp(ts) -%}
    timezone('{{ var("business_timezone") }}', {{ ts }})
{%- endmacro %}

{% macro spark__to_business_timestamp(ts) -%}
    from_utc_timestamp({{ ts }}, '{{ var("business_timezone") }}')
{%- endmacro %}

{% macro to_business_date(ts) -%}
    cast({{ to_business_timestamp(ts) }} as date)
{%- endmacro %}

{#- The calendar date of an instant in a named zone (for facts the contract dates in a fixed zone). -#}
{% macro to_date_in_zone(ts, zone) -%}
    {{ return(adapter.dispatch('to_date_in_zone', 'stagewise')(ts, zone)) }}
{%- endmacro %}

{% macro default__to_date_in_zone(ts, zone) -%}
    cast(timezone('{{ zone }}', {{ ts }}) as date)
{%- endmacro %}

{% macro spark__to_date_in_zone(ts, zone) -%}
    cast(from_utc_timestamp({{ ts }}, '{{ zone }}') as date)
{%- endmacro %}

{% macro business_month_start(ts) -%}
    cast({{ dbt.date_trunc('month', to_business_date(ts)) }} as date)
{%- endmacro %}

{#- A business-calendar date's midnight as a UTC instant. -#}
{% macro business_midnight(d) -%}
    {{ return(adapter.dispatch('business_midnight', 'stagewise')(d)) }}
{%- endmacro %}

{% macro default__business_midnight(d) -%}
    timezone('{{ var("business_timezone") }}', cast({{ d }} as timestamp))
{%- endmacro %}

{% macro spark__business_midnight(d) -%}
    to_utc_timestamp(cast({{ d }} as timestamp), '{{ var("business_timezone") }}')
{%- endmacro %}

{#- Elapsed days between two instants, fractional (whole seconds / 86400), a DOUBLE on every engine. -#}
{% macro days_between(start_ts, end_ts) -%}
    (cast({{ dbt.datediff(start_ts, end_ts, 'second') }} as double) / 86400)
{%- endmacro %}
