{#- Mobile numbers leave staging only as a salted SHA-256 of their normalized digits (contract §3). -#}
{% macro normalized_mobile(col) -%}
    case
        when length({{ regexp_replace_all(col, "'[^0-9]'", "''") }}) = 13
             and {{ regexp_replace_all(col, "'[^0-9]'", "''") }} like '86%'
            then substr({{ regexp_replace_all(col, "'[^0-9]'", "''") }}, 3)
        else nullif({{ regexp_replace_all(col, "'[^0-9]'", "''") }}, '')
    end
{%- endmacro %}

{% macro salted_hash(expr) -%}
    {{ return(adapter.dispatch('salted_hash', 'stagewise')(expr)) }}
{%- endmacro %}

{% macro default__salted_hash(expr) -%}
    case when {{ expr }} is not null then sha256('{{ var("mobile_salt") }}' || {{ expr }}) end
{%- endmacro %}

{% macro spark__salted_hash(expr) -%}
    case when {{ expr }} is not null then sha2(concat('{{ var("mobile_salt") }}', {{ expr }}), 256) end
{%- endmacro %}
