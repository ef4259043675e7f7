{#-
  One row per salesperson: every CRM user (rep_id = user_id), plus every WeCom userid seen in WeCom
  data that no CRM user claims (rep_id = 'wecom:' || userid), so no WeCom activity is lost. When
  several CRM users claim one wecom_userid, the active one with the smallest user_id keeps it.
-#}
with

users as (

    select * from {{ ref('stg_crm__users') }}

),

external_contacts as (

    select * from {{ ref('stg_wecom__external_contacts') }}

),

behavior as (

    select * from {{ ref('stg_wecom__behavior') }}

),

contact_events as (

    select * from {{ ref('stg_wecom__contact_events') }}

),

messages as (

    select * from {{ ref('stg_wecom__messages') }}

),

message_recipients as (

    select * from {{ ref('stg_wecom__message_recipients') }}

),

wecom_claims as (

    select
        user_id,
        wecom_userid,
        row_number() over (
            partition by wecom_userid order by coalesce(is_active, true) desc, user_id
        ) as claim_rank

    from users
    where wecom_userid is not null

),

crm_reps as (

    select
        users.user_id as rep_id,
        users.user_id,
        users.user_name as rep_name,
        wecom_claims.wecom_userid,
        users.team,
        users.manager_id,
        coalesce(users.is_active, users.left_at is null) as is_active,
        users.left_at,
        true as is_crm_user

    from users
    left join wecom_claims
        on users.user_id = wecom_claims.user_id
        and wecom_claims.claim_rank = 1

),

wecom_userids as (

    select wecom_userid from external_contacts
    union
    select wecom_userid from behavior
    union
    select wecom_userid from contact_events
    union
    select sender_id from messages
    where sender_id is not null and not {{ is_wecom_customer_id('sender_id') }}
    union
    select recipient_id from message_recipients
    where not {{ is_wecom_customer_id('recipient_id') }}

),

wecom_only_reps as (

    select
        'wecom:' || wecom_userids.wecom_userid as rep_id,
        cast(null as {{ dbt.type_string() }}) as user_id,
        cast(null as {{ dbt.type_string() }}) as rep_name,
        wecom_userids.wecom_userid,
        cast(null as {{ dbt.type_string() }}) as team,
        cast(null as {{ dbt.type_string() }}) as manager_id,
        cast(null as boolean) as is_active,
        cast(null as {{ type_timestamptz() }}) as left_at,
        false as is_crm_user

    from wecom_userids
    left join wecom_claims
        on wecom_userids.wecom_userid = wecom_claims.wecom_userid
    where wecom_claims.wecom_userid is null
        and wecom_userids.wecom_userid is not null

),

final as (

    select * from crm_reps
    union all
    select * from wecom_only_reps

)

select * from final
