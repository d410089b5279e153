-- materialized: temp
-- incremental: incident
-- grain: one row per incident, with the alert rule it belongs to and its owner: the
-- service's name, its team (after the config's team_map) and the one rotation that its
-- service pages (METRICS.md, "After-hours page"). Every later model reads incidents from
-- here, so rule and owner are resolved once. A PagerDuty incident names its own team and
-- escalation policy (labels.pagerduty), which win over its service's current ones: a
-- service moved to another team or policy does not rewrite its history. The labels are
-- read here and left out: no later model needs them, and a source's labels can be the
-- widest column of an incident, which every later step would carry.
with incidents as (
    select * from stg_incidents
),
final as (
    select
        i.* exclude (labels),
        r.rule_id,
        r.rule_name,
        r.rule_kind,
        coalesce(s.service_name, i.service_id) as service_name,
        coalesce(m.to_team, nullif(i.labels->'pagerduty'->>'team', ''), s.team, 'unassigned') as team,
        coalesce(nullif(i.labels->'pagerduty'->>'rotation', ''), s.rotation, 'default')      as rotation
    from incidents i
    join incident_rules r using (source, incident_id)
    left join service_dim s using (source, service_id)
    left join cfg_team_map m on m.from_team = i.labels->'pagerduty'->>'team'
)
select * from final
