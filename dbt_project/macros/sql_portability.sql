{#-
  Small portability shims. Each is dispatched so that a Spark (or other) adapter can supply its own
  syntax; the default implementation is DuckDB's.
-#}

{#- Expand a list column into one row per element (use in a select list, aliased). -#}
{% macro unnest_list(col) -%}
    {{ return(adapter.dispatch('unnest_list', 'stagewise')(col)) }}
{%- endmacro %}

{% macro default__unnest_list(col) -%}
    unnest({{ col }})
{%- endmacro %}

{% macro spark__unnest_list(col) -%}
    explode({{ col }})
{%- endmacro %}

{#- Whether a text starts with a prefix (portable: no `starts_with`/`like` escaping surprises). -#}
{% macro starts_with(expr, prefix_literal) -%}
    substr({{ expr }}, 1, {{ prefix_literal | length }}) = '{{ prefix_literal }}'
{%- endmacro %}

{#- The data type of an instant (UTC-normalized timestamp with time zone). -#}
{% macro type_timestamptz() -%}
    {{ return(adapter.dispatch('type_timestamptz', 'stagewise')()) }}
{%- endmacro %}

{% macro default__type_timestamptz() -%}
    timestamp with time zone
{%- endmacro %}

{% macro spark__type_timestamptz() -%}
    timestamp
{%- endmacro %}

{#- An "infinitely early" instant: the open start of validity ranges. -#}
{% macro beginning_of_time() -%}
    cast('1900-01-01 00:00:00+00' as {{ type_timestamptz() }})
{%- endmacro %}

{#-
  The high-water mark of an incremental model's load-time column, for `where col > {{ ... }}`: the
  newest value already in the model, or the beginning of time while the model is empty (a first
  build before any row of its source arrived must not filter everything out on a NULL).
-#}
{% macro incremental_watermark(col) -%}
    coalesce((select max({{ col }}) from {{ this }}), {{ beginning_of_time() }})
{%- endmacro %}
