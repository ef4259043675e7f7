with

rep_teams as (

    select * from {{ ref('int_rep_teams_historized') }}

),

final as (

    select
        rep_id,
        team,
        manager_id,
        valid_from,
        valid_to,
        valid_to is null as is_current

    from rep_teams

)

select * from final
