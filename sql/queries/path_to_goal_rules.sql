-- path_to_goal_rules(month, scope_type, scope, max_rows)
-- grain: one row per alert rule behind the scope's after-hours pages in the month, in
-- rank order (path_to_goal), with its owner, runbook and noise that month; at most
-- max_rows (null: all).
create or replace macro path_to_goal_rules(month, scope_type, scope, max_rows) as table
select
    p.rank, p.rule_id, r.rule_name, r.service_name, r.team, p.after_hours_pages, p.cumulative_pages,
    p.cumulative_pct, p.in_smallest_set, r.has_runbook, coalesce(m.noise_score, 0) as noise_score
from path_to_goal p
join alert_rules r using (rule_id)
left join rule_monthly m on m.rule_id = p.rule_id and m.month = p.month
where p.month = month and p.scope_type = scope_type and p.scope = scope
order by p.rank
limit max_rows
