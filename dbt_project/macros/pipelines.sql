{#-
  One row per pipeline: the order of its first and last stage (stages = a relation or CTE with the
  columns of stg_config__stages). An outcome sorts after the last stage; a win reaches "last + 1".
-#}
{% macro pipeline_bounds(stages) -%}
    select pipeline_key, min(stage_order) as first_stage_order, max(stage_order) as last_stage_order
    from {{ stages }}
    group by pipeline_key
{%- endmacro %}
