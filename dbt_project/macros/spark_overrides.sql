{#-
  dbt-spark behaviours replaced for this project (docs/scale-out.md). Each applies on Spark only.
-#}

{#-
  A view is written as a table on Spark. Spark keeps no results between queries: a view over views is
  planned and computed again from the raw Parquet files by every query that reads it, each data test
  included, and the identity resolution alone takes Spark a quarter of a minute to plan. As tables, each
  layer is computed once per build. Readers see the same rows either way.
-#}
{% materialization view, adapter='spark' -%}
    {{ return(materialization_table_spark()) }}
{%- endmaterialization %}

{#-
  Seed rows as escaped literals: in session mode dbt-spark pastes the bound values into the SQL unquoted
  for quotes, so a label such as "WeChat friend's WeCom" breaks the statement.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set sql -%}
        insert into {{ this.render() }} values
        {% for row in agate_table.rows -%}
            ({%- for value in row -%}
                {%- set col_name = agate_table.column_names[loop.index0] -%}
                {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                {%- if value is none -%}
                    cast(null as {{ type }})
                {%- else -%}
                    cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                {%- endif -%}
                {{- ',' if not loop.last -}}
            {%- endfor -%})
            {{- ',' if not loop.last }}
        {% endfor %}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {{ return(sql) }}
{% endmacro %}

{#-
  dbt.listagg in the order asked for, NULL when there is nothing to list, like DuckDB's string_agg: dbt-spark's
  own ignores the order and returns '' for an empty group. `order_by_clause`: 'order by <one expression>'.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set order_key = (order_by_clause or '') | replace('order by', '') | trim -%}
    {%- set pairs = "collect_list(named_struct('k', " ~ (order_key or 'null') ~ ", 'v', " ~ measure ~ '))' -%}
    {%- set ordered = 'transform(array_sort(filter(' ~ pairs ~ ', p -> p.v is not null)), p -> p.v)' -%}
    {%- set listed = 'slice(' ~ ordered ~ ', 1, ' ~ limit_num ~ ')' if limit_num else ordered -%}
    case when count({{ measure }}) > 0 then array_join({{ listed }}, {{ delimiter_text }}) end
{%- endmacro %}
