-- window_counts(from_month, to_month, team, rotation)
-- grain: one row per month of the period with an incident per hour window (business,
-- off_hours, sleep), with the pages judged in it; every window appears in every month.
-- Reads owner_monthly, whose counts add up across owners and months.
create or replace macro window_counts(from_month, to_month, team, rotation) as table
with owners as (
    select *
    from owner_monthly
    where (from_month is null or month >= from_month)
      and (to_month is null or month <= to_month)
      and (team is null or owner_monthly.team = team)
      and (rotation is null or owner_monthly.rotation = rotation)
),
counts as (
    select month, sum(business_pages) as business, sum(off_hours_pages) as off_hours,
           sum(sleep_window_pages) as sleep
    from owners
    group by all
),
final as (
    unpivot counts on business, off_hours, sleep into name page_window value pages
)
select month, page_window, pages::bigint as pages
from final
order by month, page_window
