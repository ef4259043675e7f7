{#-
  Fails with one row per as-of date whose p_win fell back to the stage probabilities: the date, the
  reason the forecast gave and the open deals concerned. Meant as a warning: the fallback is a valid
  forecast (the CRM's own rule), but a reader of the forecast marts should know where it applies.
-#}
{% test p_win_from_the_model(model) %}
    select
        as_of_date,
        p_win_fallback_reason,
        count(*) as open_deals
    from {{ model }}
    where p_win_method <> 'model'
    group by as_of_date, p_win_fallback_reason
    order by as_of_date
{% endtest %}
