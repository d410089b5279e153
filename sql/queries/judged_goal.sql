-- judged_goal(month, team, rotation)
-- grain: one row, or none when the month has no history: the judged scope's (judged_scope)
-- after-hours pages against its goal in the month given, else the latest month.
create or replace macro judged_goal(month, team, rotation) as table
select g.month, g.scope_type, g.scope, g.after_hours_pages, g.goal, g.met
from monthly_goal g
join judged_scope(team, rotation) j using (scope_type, scope)
where g.month = coalesce(month, (select max(m.month) from monthly_goal m))
