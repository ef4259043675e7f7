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
  build before any row of its source arrived must not filter everything out on a NULL). Read before
  the model's query runs and written into it as a constant: a subquery in its place is joined to every
  row of the source, where a constant lets the engine skip the older parts of the table unread (DuckDB:
  int_messages_paired with no new message among 10M: 5.1 s -> 0.6 s).
-#}
{% macro incremental_watermark(col) -%}
    {%- set newest = none -%}
    {%- if execute -%}
        {%- set newest = run_query('select cast(max(' ~ col ~ ') as ' ~ dbt.type_string() ~ ') from ' ~ this).columns[0].values()[0] -%}
    {%- endif -%}
    {%- if newest is none -%}
        {{ beginning_of_time() }}
    {%- else -%}
        cast('{{ newest }}' as {{ type_timestamptz() }})
    {%- endif -%}
{%- endmacro %}

{#-
  Model contracts (the marts' yml) name DuckDB's types; dbt checks them by casting NULL to each. Spark spells
  three of them its own way: varchar is string, an instant (timestamp with time zone) is timestamp (in the
  UTC session time zone), a list `T[]` is array<T>.
-#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type_name(type) }})
{%- endmacro %}

{% macro spark_type_name(type) -%}
    {%- set name = type | trim | lower -%}
    {%- if name.endswith('[]') -%}
        array<{{ spark_type_name(name[:-2]) }}>
    {%- elif name == 'varchar' or name == 'text' -%}
        string
    {%- elif name == 'timestamp with time zone' or name == 'timestamptz' -%}
        timestamp
    {%- else -%}
        {{ name }}
    {%- endif -%}
{%- endmacro %}

{#-
  The materialization of a model kept up to date by delete+insert on its unique key (incremental). Spark's
  plain Parquet tables cannot delete rows, so there the model is rebuilt whole each time: the same rows
  (a lake in Delta or Iceberg would use dbt-spark's `merge` strategy instead, docs/scale-out.md).
-#}
{% macro keyed_incremental() -%}
    {{ return(adapter.dispatch('keyed_incremental', 'stagewise')()) }}
{%- endmacro %}

{% macro default__keyed_incremental() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__keyed_incremental() -%}
    {{ return('table') }}
{%- endmacro %}

{#-
  A fractional number literal that is a DOUBLE in arithmetic. DuckDB computes with a literal such as 0.5 as
  a decimal but divides and averages decimals in floating point, as the marts expect; Spark keeps decimal
  arithmetic exact and rounds the result to a few decimal places. Spark's `D` suffix makes the literal a
  DOUBLE there. `text`: the literal as written, e.g. '1.96'.
-#}
{% macro real(text) -%}
    {{ return(adapter.dispatch('real', 'stagewise')(text)) }}
{%- endmacro %}

{% macro default__real(text) -%}
    {{ text }}
{%- endmacro %}

{% macro spark__real(text) -%}
    {{ text }}D
{%- endmacro %}

{#- Replace every match of a regular expression (DuckDB replaces the first one unless given 'g'). -#}
{% macro regexp_replace_all(expr, pattern_literal, replacement_literal) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'stagewise')(expr, pattern_literal, replacement_literal)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern_literal, replacement_literal) -%}
    regexp_replace({{ expr }}, {{ pattern_literal }}, {{ replacement_literal }}, 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expr, pattern_literal, replacement_literal) -%}
    regexp_replace({{ expr }}, {{ pattern_literal }}, {{ replacement_literal }})
{%- endmacro %}
