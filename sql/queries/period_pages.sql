-- period_pages(from_day, to_day)
-- grain: one row: the organisation's pages, after-hours and sleep-hours pages whose time
-- (incident_facts.reporting_at) falls on a date from from_day to to_day, both included,
-- in the reporting time zone: a week of the weekly report, the week before it, and the
-- month to date.
create or replace macro period_pages(from_day, to_day) as table
select
    count(*) filter (where is_page)        as pages,
    count(*) filter (where is_after_hours) as after_hours_pages,
    count(*) filter (where is_sleep_hours) as sleep_hours_pages
from incident_facts
where reporting_at::date >= from_day and reporting_at::date <= to_day
