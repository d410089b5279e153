-- incremental: incident
-- grain: one row per incident: its rule and owner (incident_owners), page status and
-- hour window (incident_pages), noise signals and runbook (incident_signals), and its
-- response times: everything the marts aggregate, side by side.
with incidents as (
    select * from incident_owners
),
final as (
    select
        i.source,
        i.incident_id,
        i.rule_id,
        i.rule_name,
        i.rule_kind,
        i.service_id,
        i.service_name,
        i.team,
        i.rotation,
        i.title,
        i.urgency,
        i.priority,
        i.created_at,
        i.acknowledged_at,
        i.resolved_at,
        i.resolved_by,
        p.is_page,
        p.is_inferred,
        p.paged_at,
        p.first_responder_id,
        p.people_interrupted,
        p.page_window,
        p.page_time_zone,
        p.page_local_at,
        p.is_after_hours,
        p.is_sleep_hours,
        p.month,
        -- ISO week (starting Monday) in the reporting time zone
        date_trunc('week', p.reporting_at)::date                       as week,
        p.reporting_at,
        s.runbook_url,
        s.has_runbook,
        s.is_auto_resolved,
        s.is_transient,
        s.is_flapping,
        s.is_unacknowledged,
        s.review_tag,
        s.is_no_action,
        s.is_noisy,
        i.timeout_escalations,
        i.manual_escalations,
        epoch(i.acknowledged_at - i.created_at)                         as ack_seconds,
        epoch(i.resolved_at - i.created_at)                             as resolve_seconds,
        engaged_us(p.is_after_hours, p.paged_at, i.acknowledged_at, i.resolved_at) / 60e6 as engaged_minutes
    from incidents i
    join incident_pages p using (source, incident_id)
    join incident_signals s using (source, incident_id)
)
select * from final
