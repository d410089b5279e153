-- goal_months(from_month, to_month, team, rotation)
-- grain: one row per month per scope (monthly_goal) in the period: the organisation,
-- every rotation and every team; with a team or rotation, the organisation and that
-- scope. Months are the first of a month in the reporting zone; null means no bound, and
-- no team or rotation.
create or replace macro goal_months(from_month, to_month, team, rotation) as table
select
    month, scope_type, scope, pages, after_hours_pages, sleep_hours_pages, goal, met,
    trailing_3m_avg, people_paged, people_paged_after_hours, people_woken
from monthly_goal
where (from_month is null or month >= from_month)
  and (to_month is null or month <= to_month)
  and ((team is null and rotation is null)
       or scope_type = 'org'
       or (scope_type = 'team' and scope = team)
       or (scope_type = 'rotation' and scope = rotation))
order by case scope_type when 'org' then 0 when 'rotation' then 1 else 2 end, scope, month
