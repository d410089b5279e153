-- page_list(from_month, to_month, team, rotation, max_rows)
-- grain: one row per page of the period (and team and rotation where given), newest
-- first, at most max_rows (null: all), with the first person interrupted.
create or replace macro page_list(from_month, to_month, team, rotation, max_rows) as table
select
    f.source, f.incident_id, f.paged_at, f.month, f.rule_id, f.rule_name, f.title, f.service_name,
    f.team, f.rotation, coalesce(f.first_responder_id, '') as responder_id,
    coalesce(r.responder_name, f.first_responder_id, '') as responder_name,
    coalesce(f.page_time_zone, '') as time_zone, f.page_local_at, f.page_window, f.is_after_hours,
    f.is_sleep_hours, f.is_inferred, f.people_interrupted, f.has_runbook, f.is_noisy
from incident_facts f
left join stg_responders r on r.source = f.source and r.responder_id = f.first_responder_id
where f.is_page
  and (from_month is null or f.month >= from_month)
  and (to_month is null or f.month <= to_month)
  and (team is null or f.team = team)
  and (rotation is null or f.rotation = rotation)
order by f.paged_at desc, f.incident_id
limit max_rows
