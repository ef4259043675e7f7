{#-
  The raw sources on engines that read them from the lake (docs/scale-out.md). DuckDB reads schema `raw` of
  the warehouse itself: nothing to do. Spark reads the Parquet files ingest's raw layer is exported to
  (storage/lake.py: <lake>/raw/<table>/), <lake> being its warehouse directory (spark.sql.warehouse.dir, set
  by the profile): every source of schema `raw` is (re-)registered as an external table over its folder
  at the start of each invocation, so that a new delivery's files, or a new column, are what it reads.
-#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'stagewise')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- set lake = run_query('set spark.sql.warehouse.dir').columns[1].values()[0] | replace('file:', '') -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- set registered = [] -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' and source.identifier not in registered -%}
            {%- do registered.append(source.identifier) -%}
            {%- do run_query('drop table if exists raw.' ~ source.identifier) -%}
            {%- do run_query(
                "create table raw." ~ source.identifier ~ " using parquet location '"
                ~ lake.rstrip('/') ~ "/raw/" ~ source.identifier ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
