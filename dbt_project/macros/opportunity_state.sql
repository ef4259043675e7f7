{#-
  The state an opportunity row (current row or snapshot) reports, extract contract §3:
  an outcome in `status` (already normalized to open/won/lost/invalid) wins; otherwise the state its
  `stage` text resolves to in the opportunity's pipeline (a stage key, or an outcome written in the
  stage column, as 悟空CRM does). `status` values equal the outcome state keys by construction.
-#}
{% macro opportunity_state(status_col, resolved_stage_col) -%}
    case
        when {{ status_col }} is not null and {{ status_col }} <> 'open' then {{ status_col }}
        else {{ resolved_stage_col }}
    end
{%- endmacro %}

{#- Normalized spelling used to match stage text against cfg state_lookup.spelling. -#}
{% macro stage_spelling(col) -%}
    lower(trim({{ col }}))
{%- endmacro %}
