-- materialized: inline
-- incremental: incident
-- grain: one row per incident, naming the alert rule it belongs to (METRICS.md "Alert
-- rule identity"): the source's explicit rule name (Alertmanager alertname; the service
-- label is part of the key because the rule is keyed per service), else the service plus
-- the title template (computed in Go, after the config's rewrites, into title_templates).
-- Inline: incident_owners, its one reader, computes it in its own query (at a million
-- incidents 1.2-1.6 s for both, against 1.5-1.8 s with a temp table of this one), and an
-- incremental build reads it alone to find each changed incident's rule.
with incidents as (
    select * from stg_incidents
),
named as (
    select
        i.source,
        i.incident_id,
        i.service_id,
        case when i.source_rule is not null then 'explicit' else 'template' end as rule_kind,
        coalesce(i.source_rule, t.template, lower(i.title))                  as rule_name
    from incidents i
    -- on the title alone: a second condition in the join (source_rule is null) made
    -- DuckDB give up the hash join, 18 s instead of 0.1 s at 100k incidents; an
    -- explicit name wins in the coalesce anyway
    left join title_templates t on t.title = i.title
),
final as (
    select
        source,
        incident_id,
        rule_kind,
        rule_name,
        -- short, stable and URL-safe
        substr(md5(concat_ws(chr(31), source, service_id, rule_kind, rule_name)), 1, 12) as rule_id
    from named
)
select * from final
