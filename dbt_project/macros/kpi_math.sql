{#-
  Arithmetic shared by the KPI marts. Rates are fractions, NULL when the denominator is 0 or NULL
  (kpi-definitions.md). Percentiles are dispatched: the default is DuckDB's, Spark has its own.
-#}

{#- numerator / denominator as DOUBLE; NULL when the denominator is 0 or NULL. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- Continuous percentile (linear interpolation) of `expr` within a group, `fraction` in [0, 1]. -#}
{% macro percentile_cont(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'stagewise')(expr, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expr, fraction) -%}
    quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_cont(expr, fraction) -%}
    percentile({{ expr }}, {{ fraction }})
{%- endmacro %}

{#- Median: the 50th continuous percentile (the mean of the two middle values for an even count). -#}
{% macro median(expr) -%}
    {{ percentile_cont(expr, 0.5) }}
{%- endmacro %}

{#- First day of the half-year (1 January or 1 July) of a DATE. -#}
{% macro half_year_start(date_expr) -%}
    cast({{ dbt.dateadd(
        'month',
        '-1 * mod(cast(extract(month from ' ~ date_expr ~ ') as integer) - 1, 6)',
        dbt.date_trunc('month', date_expr)
    ) }} as date)
{%- endmacro %}

{#- Exclusive end of the business month that starts at `month_start` (a DATE), as a UTC instant. -#}
{% macro business_month_end_instant(month_start) -%}
    {{ business_midnight(dbt.dateadd('month', 1, month_start)) }}
{%- endmacro %}

{#-
  Sum and mean of DOUBLE values, the same to the last bit on any number of threads. A parallel aggregate adds the
  values of a group in the order its threads meet them, and a sum of doubles depends on that order; adding them
  in ascending order of value (ties are equal values) fixes it. Integer sums and counts need none of this.
  Spark adds in its partitions' order (its marts are compared within a tolerance, docs/scale-out.md).
-#}
{% macro stable_sum(expr) -%}
    {{ return(adapter.dispatch('stable_sum', 'stagewise')(expr)) }}
{%- endmacro %}

{% macro default__stable_sum(expr) -%}
    sum({{ expr }} order by {{ expr }})
{%- endmacro %}

{% macro spark__stable_sum(expr) -%}
    sum({{ expr }})
{%- endmacro %}

{% macro stable_avg(expr) -%}
    {{ return(adapter.dispatch('stable_avg', 'stagewise')(expr)) }}
{%- endmacro %}

{% macro default__stable_avg(expr) -%}
    avg({{ expr }} order by {{ expr }})
{%- endmacro %}

{% macro spark__stable_avg(expr) -%}
    avg({{ expr }})
{%- endmacro %}
