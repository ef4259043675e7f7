{#-
  The team of a rep at an instant: the one home of that lookup (kpi-definitions.md: a team's KPIs use
  the rep's team at the time of the event that places the row in its month). It is the join condition
  onto the rep's team periods (int_rep_teams_historized, aliased `periods`):

      left join rep_teams
          on {{ rep_team_at('rep_teams', 'opportunities.owner_id', 'opportunities.closed_at') }}

  A rep's periods do not overlap (valid_to is the next period's valid_from), so the join adds at most
  one row. An instant before the first delivered users file falls in the first period (it reaches back
  to the beginning of time). A NULL instant means now: the current period. With just_before=true the
  period in force just before the instant is taken (the team at the end of a month whose exclusive end
  is the instant), so a change delivered exactly at the month boundary belongs to the next month.
-#}
{% macro rep_team_at(periods, rep_id, instant, just_before=false) -%}
    {{ periods }}.rep_id = {{ rep_id }}
    and (
        ({{ instant }} is null and {{ periods }}.valid_to is null)
        {%- if just_before %}
        or ({{ periods }}.valid_from < {{ instant }} and ({{ periods }}.valid_to is null or {{ instant }} <= {{ periods }}.valid_to))
        {%- else %}
        or ({{ periods }}.valid_from <= {{ instant }} and ({{ periods }}.valid_to is null or {{ instant }} < {{ periods }}.valid_to))
        {%- endif %}
    )
{%- endmacro %}
