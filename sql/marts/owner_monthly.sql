-- partition: month
-- partition reads: incident_facts
-- grain: one row per owner (team and rotation) per month (reporting time zone) in which
-- it had an incident: the page counts that add up across months and owners, for the goal,
-- the hour windows, runbook coverage and the overview.
with facts as (
    select * from incident_facts
),
final as (
    select
        team,
        rotation,
        month,
        count(*)                                              as incidents,
        count(*) filter (where is_page)                       as pages,
        count(*) filter (where is_after_hours)                as after_hours_pages,
        count(*) filter (where is_sleep_hours)                as sleep_hours_pages,
        count(*) filter (where page_window = 'business')      as business_pages,
        count(*) filter (where page_window = 'off_hours')     as off_hours_pages,
        count(*) filter (where page_window = 'sleep')         as sleep_window_pages,
        count(*) filter (where is_page and has_runbook)       as pages_with_runbook,
        count(*) filter (where is_after_hours and has_runbook) as after_hours_pages_with_runbook,
        -- the latest page (else creation) instant, UTC
        max(coalesce(paged_at, created_at))                   as last_at
    from facts
    group by all
)
select * from final
