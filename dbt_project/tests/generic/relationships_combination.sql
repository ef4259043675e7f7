{#- Fails for every row whose combination of `columns` has no match in `to` on `to_columns` (NULLs are skipped). -#}
{% test relationships_combination(model, to, columns, to_columns) %}
    select child.*
    from {{ model }} as child
    where {% for c in columns %}child.{{ c }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
        and not exists (
            select 1 from {{ to }} as parent
            where {% for c in columns %}parent.{{ to_columns[loop.index0] }} = child.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
        )
{% endtest %}
