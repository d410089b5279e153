-- review_week(week_start)
-- grain: one row per page of the ISO week that starts on week_start (a Monday in the
-- reporting time zone, METRICS.md "Time"): the weekly review's list. Each page carries its
-- rule's counts for the week and the week's totals (window sums over the same rows), so
-- the grouping and ordering the review needs come from here: rules with the most
-- after-hours pages first, then sleep-hours pages, then pages, then name; pages newest
-- first. The tag is the effective review (stg_reviews, a view: a tag shows at once).
create or replace macro review_week(week_start) as table
with pages as (
    select *
    from incident_facts
    where is_page and week = week_start
),
-- each person once, in the order they were first interrupted (list_distinct does not
-- keep order)
person as (
    select
        i.source, i.incident_id, coalesce(r.responder_name, i.responder_id) as name,
        min(i.interrupted_at)                                                as first_at,
        bool_or(i.hour_window = 'sleep')                                     as is_woken
    from interruptions i
    join pages p using (source, incident_id)
    left join stg_responders r on r.source = i.source and r.responder_id = i.responder_id
    group by all
),
people as (
    select
        source, incident_id,
        list(name order by first_at, name)                             as interrupted,
        list(name order by first_at, name) filter (where is_woken)     as woken
    from person
    group by all
),
final as (
    select
        p.rule_id, p.rule_name, p.service_name, p.team, p.rotation,
        count(*) over rule_w                                            as rule_pages,
        count(*) filter (where p.is_after_hours) over rule_w            as rule_after_hours_pages,
        count(*) filter (where p.is_sleep_hours) over rule_w            as rule_sleep_hours_pages,
        count(*) filter (where rv.review_tag = 'no_action') over rule_w    as rule_no_action,
        count(*) filter (where rv.review_tag = 'action_taken') over rule_w as rule_action_taken,
        count(*) filter (where rv.review_tag is null) over rule_w          as rule_untagged,
        a.has_runbook                                                   as rule_has_runbook,
        coalesce(a.runbook_url, '')                                     as rule_runbook_url,
        count(*) over ()                                                as week_pages,
        count(*) filter (where p.is_after_hours) over ()                as week_after_hours_pages,
        count(*) filter (where p.is_sleep_hours) over ()                as week_sleep_hours_pages,
        count(*) filter (where rv.review_tag is null) over ()           as week_untagged,
        p.source, p.incident_id, p.title, p.paged_at,
        p.page_local_at, coalesce(p.page_time_zone, '')                 as time_zone,
        p.page_window,
        coalesce(pp.interrupted, [])                                    as interrupted,
        coalesce(pp.woken, [])                                          as woken,
        p.is_auto_resolved, p.is_transient, p.is_flapping, p.is_unacknowledged,
        coalesce(p.runbook_url, '')                                     as runbook_url,
        rv.review_tag, coalesce(rv.review_reason, '') as review_reason,
        coalesce(rv.review_note, '') as review_note, coalesce(rv.review_owner, '') as review_owner,
        coalesce(rv.follow_up_url, '') as follow_up_url, coalesce(rv.reviewer, '') as reviewer,
        rv.reviewed_at, coalesce(rv.review_version, 0) as review_version
    from pages p
    join alert_rules a using (rule_id)
    left join people pp using (source, incident_id)
    left join stg_reviews rv using (source, incident_id)
    window rule_w as (partition by p.rule_id)
)
select * from final
order by rule_after_hours_pages desc, rule_sleep_hours_pages desc, rule_pages desc, rule_name, rule_id,
         paged_at desc, incident_id
