-- partition: rule_id
-- grain: one row per alert rule seen in the history, with its owner and runbook. A rule
-- has a runbook when its most recently created incident did or its definition in a rule
-- file does (incident_facts gives every incident of a defined rule its runbook).
with facts as not materialized (
    select * from incident_facts
),
latest as (
    select rule_id, rule_name, rule_kind, service_id, service_name, team, rotation,
           runbook_url as latest_runbook_url, has_runbook
    from facts
    qualify row_number() over (partition by rule_id order by created_at desc, incident_id desc) = 1
),
spans as (
    select rule_id, min(created_at) as first_incident_at, max(created_at) as last_incident_at, count(*) as incidents
    from facts
    group by all
),
final as (
    select
        l.rule_id,
        l.rule_name,
        l.rule_kind,
        l.service_id,
        l.service_name,
        l.team,
        l.rotation,
        l.has_runbook,
        l.latest_runbook_url as runbook_url,
        l.rule_kind = 'explicit'
            and l.rule_name in (select rule_name from stg_rule_definitions) as defined,
        s.incidents,
        s.first_incident_at,
        s.last_incident_at
    from latest l
    join spans s using (rule_id)
)
select * from final
