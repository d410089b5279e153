-- partition: rule_id
-- grain: one row per alert rule seen in the history, with its owner and runbook. A rule
-- has a runbook when its most recently created incident did or its definition in a rule
-- file does (incident_facts gives every incident of a defined rule its runbook).
-- One pass, one hash aggregate: each rule's latest incident by arg_max (created_at,
-- then incident_id, as the latest breaks ties) and its span. A window per rule sorted
-- every incident of the busiest rules, the most of a rebuild after a burst at 10M.
with per_rule as (
    select
        rule_id,
        arg_max({'rule_name': rule_name, 'rule_kind': rule_kind, 'service_id': service_id,
                 'service_name': service_name, 'team': team, 'rotation': rotation,
                 'runbook_url': runbook_url, 'has_runbook': has_runbook},
                {'created_at': created_at, 'incident_id': incident_id}) as l,
        min(created_at) as first_incident_at,
        max(created_at) as last_incident_at,
        count(*) as incidents
    from incident_facts
    group by rule_id
),
final as (
    select
        rule_id,
        l.rule_name,
        l.rule_kind,
        l.service_id,
        l.service_name,
        l.team,
        l.rotation,
        l.has_runbook,
        l.runbook_url,
        l.rule_kind = 'explicit'
            and l.rule_name in (select rule_name from stg_rule_definitions) as defined,
        incidents,
        first_incident_at,
        last_incident_at
    from per_rule
)
select * from final
