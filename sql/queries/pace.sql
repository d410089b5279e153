-- pace(scope_type, scope, month, as_of, elapsed_days, days_in_month)
-- grain: one row, or none when no such scope exists: month-to-date after-hours pages of
-- the scope (scope '' for the organisation) in the month, paged up to as_of (UTC), and
-- the pace (METRICS.md, "The goal"): pages so far / elapsed days x days in the month,
-- against the scope's goal. The goal is the scope's latest in monthly_goal, which also
-- proves the scope exists; only the organisation exists without history, with the
-- build's goal setting.
create or replace macro pace(scope_type, scope, month, as_of, elapsed_days, days_in_month) as table
with judged as (
    select scope_type as judged_type, case when scope_type = 'org' then st.org_name else scope end as judged_scope
    from cfg_settings st
),
goal as (
    select coalesce(
        (select g.goal from monthly_goal g, judged j
          where g.scope_type = j.judged_type and g.scope = j.judged_scope order by g.month desc limit 1),
        (select c.goal from cfg_goals c where scope_type = 'org' and c.scope_type = 'org')) as goal
),
so_far as (
    select count(*) as after_hours_pages
    from incident_facts f
    join scope_owners b using (team, rotation)
    join judged j on b.scope_type = j.judged_type and b.scope = j.judged_scope
    where f.is_after_hours and f.month = month and f.paged_at <= as_of
)
select
    j.judged_scope                                     as scope,
    g.goal,
    s.after_hours_pages,
    case when elapsed_days > 0
         then s.after_hours_pages::double / elapsed_days * days_in_month else 0 end as projected,
    case when elapsed_days > 0
         then s.after_hours_pages::double / elapsed_days * days_in_month else 0 end < g.goal as on_track
from judged j, goal g, so_far s
where g.goal is not null
