-- incident_list(from_month, to_month, team, rotation, rule, max_rows)
-- grain: one row per incident of the period (and team, rotation, rule where given),
-- newest first, at most max_rows (null: all). The limit sits beside the order, so DuckDB
-- keeps only the newest rows (top-N) instead of sorting the history.
create or replace macro incident_list(from_month, to_month, team, rotation, rule, max_rows) as table
select
    f.source, f.incident_id, f.rule_id, f.rule_name, f.title, f.service_name, f.team, f.rotation,
    f.urgency, f.created_at, f.acknowledged_at, f.resolved_at, f.is_page, f.is_inferred, f.paged_at,
    coalesce(f.page_window, '') as page_window, f.is_auto_resolved, f.is_transient, f.is_flapping,
    f.is_unacknowledged, coalesce(f.review_tag, '') as review_tag, f.is_noisy,
    coalesce(f.runbook_url, '') as runbook_url, f.has_runbook, f.timeout_escalations, f.manual_escalations
from incident_facts f
where (from_month is null or f.month >= from_month)
  and (to_month is null or f.month <= to_month)
  and (team is null or f.team = team)
  and (rotation is null or f.rotation = rotation)
  and (rule is null or f.rule_id = rule)
order by f.created_at desc, f.incident_id
limit max_rows
