-- incremental: incident
-- grain: one row per incident per source.
-- Acknowledgement and escalations come from the incident record or, for sources that
-- report them as events (PagerDuty log entries, Opsgenie alert logs), from incident_events.
-- An Alertmanager episode whose resolve never came is closed from
-- stg_incident_resolutions; a runbook from a pattern or a rule definition comes from
-- stg_incident_runbooks, after the incident's own. A PagerDuty incident merged into
-- another (labels.pagerduty.merged_into, from its resolve_reason) is no incident of its
-- own: its notifications count for the one it went into (stg_notifications).
with events as (
    select
        source,
        incident_id,
        min(occurred_at) filter (where kind = 'acknowledge')     as first_ack_event_at,
        count(*) filter (where kind = 'escalate_timeout')         as timeout_escalation_events,
        count(*) filter (where kind = 'escalate_manual')          as manual_escalation_events,
        arg_min(detail, occurred_at) filter (where kind = 'runbook' and detail <> '') as runbook_event_url
    from incident_events
    group by all
)
select
    i.source,
    i.incident_id,
    i.service_id,
    i.title,
    i.urgency,
    nullif(i.priority, '')                                         as priority,
    i.created_at,
    least(i.acknowledged_at, e.first_ack_event_at)                 as acknowledged_at,
    coalesce(i.resolved_at, r.resolved_at)                         as resolved_at,
    coalesce(nullif(i.resolved_by, ''), r.resolved_by)             as resolved_by,
    nullif(i.rule, '')                                             as source_rule,
    coalesce(nullif(i.runbook_url, ''), e.runbook_event_url, rb.runbook_url) as runbook_url,
    i.escalations + coalesce(e.timeout_escalation_events, 0)       as timeout_escalations,
    i.manual_escalations + coalesce(e.manual_escalation_events, 0) as manual_escalations,
    i.labels
from incidents i
left join events e using (source, incident_id)
left join stg_incident_resolutions r using (source, incident_id)
left join stg_incident_runbooks rb using (source, incident_id)
where i.labels->'pagerduty'->>'merged_into' is null
