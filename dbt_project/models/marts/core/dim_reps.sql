with

reps as (

    select * from {{ ref('int_reps_unioned') }}

),

final as (

    select
        reps.rep_id,
        reps.user_id,
        reps.rep_name,
        reps.wecom_userid,
        reps.team,
        reps.manager_id,
        managers.rep_name as manager_name,
        reps.is_active,
        reps.left_at,
        reps.is_crm_user

    from reps
    left join reps as managers
        on reps.manager_id = managers.rep_id

)

select * from final
