-- materialized: table
-- incremental: incident
-- grain: one row per incident without a runbook link of its own that gets one from a
-- configured runbook pattern or from its rule's definition in a rule file (METRICS.md,
-- "Runbook coverage"). stg_incidents takes runbook_url from here after the incident's
-- own link and its runbook events.
with own as (
    select
        source,
        incident_id,
        nullif(rule, '')                                                   as source_rule,
        labels,
        -- an Alertmanager alert's labels; other sources carry no label set
        case when json_type(labels->'labels') = 'OBJECT' then labels->'labels' end as alert_labels
    from incidents
    where runbook_url = ''
),
-- Each string value of the labels document on its own, in document order (for an
-- Alertmanager alert: annotations, then labels): a pattern run over the document's
-- JSON text would run on across quotes and keys ("https://r/x"},"labels":{...). The
-- first value that a configured pattern matches gives the link: the part the first of
-- the patterns (in cfg_runbook_patterns' order) that match it matches
-- (runbook_pattern_match, written with cfg_runbook_patterns).
pattern_runbooks as (
    select source, incident_id, arg_min(runbook_url, value_no) as runbook_url
    from (
        select o.source, o.incident_id, t.id as value_no, runbook_pattern_match(t.value->>'$') as runbook_url
        from own o
        cross join json_tree(o.labels) t
        where t.type = 'VARCHAR'
    )
    where runbook_url is not null
    group by all
),
definitions as (
    select
        rule_name,
        runbook_url,
        coalesce(json_transform(labels, '"MAP(VARCHAR, VARCHAR)"'), map()) as def_labels
    from stg_rule_definitions
),
-- A definition applies to an alert of its name that carries every label it sets
-- (Prometheus attaches them to each alert it fires); a label value that is itself a
-- template matches any value. Of those that apply, the ones that set the most labels
-- win: a team's own copy of a rule, with a team: label, over the upstream mixin's.
-- Without a label set (other sources) the name alone decides.
candidates as (
    select
        o.source,
        o.incident_id,
        o.alert_labels,
        d.runbook_url,
        case when o.alert_labels is null then 0 else cardinality(d.def_labels) end as specificity
    from own o
    join definitions d on d.rule_name = o.source_rule
    where o.alert_labels is null
       or list_bool_and(list_transform(map_entries(d.def_labels),
              lambda e: contains(e.value, '{{') or coalesce((o.alert_labels->>e.key) = e.value, false))) is not false
),
best as (
    select * from candidates
    qualify specificity = max(specificity) over (partition by source, incident_id)
),
-- Equally good definitions that disagree on the runbook are ambiguous: none is taken
-- (alertlens rules import names them), rather than the alphabetically first.
chosen as (
    select
        source,
        incident_id,
        any_value(alert_labels)                                             as alert_labels,
        case when count(distinct coalesce(runbook_url, '')) = 1 then any_value(runbook_url) end as runbook_url
    from best
    group by all
),
-- A definition's link may refer to the alert's labels ({{ $labels.instance }}, as
-- Prometheus would expand it): filled in from the alert's labels, and a link still
-- holding {{ afterwards leads nowhere and counts as none.
defined_runbooks as (
    select
        source,
        incident_id,
        list_reduce(
            list_prepend(runbook_url, regexp_extract_all(runbook_url,
                '\{\{-?\s*(?:(?:\$labels|\.Labels)\.[A-Za-z_][A-Za-z0-9_]*|index\s+(?:\$labels|\.Labels)\s+"[^"]*")\s*-?\}\}')),
            lambda link, ref: replace(link, ref, coalesce(nullif(alert_labels->>coalesce(
                nullif(regexp_extract(ref, '\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}$', 1), ''),
                regexp_extract(ref, '"([^"]*)"', 1)), ''), ref))
        )                                                                   as runbook_url
    from chosen
    where runbook_url is not null
),
final as (
    select
        o.source,
        o.incident_id,
        coalesce(p.runbook_url, case when d.runbook_url not like '%{{%' then d.runbook_url end) as runbook_url
    from own o
    left join pattern_runbooks p using (source, incident_id)
    left join defined_runbooks d using (source, incident_id)
    where coalesce(p.runbook_url, case when d.runbook_url not like '%{{%' then d.runbook_url end) is not null
)
select * from final
