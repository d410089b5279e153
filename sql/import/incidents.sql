-- The file's incident records (docs/import-format.md, "incident"), read and checked:
-- one row per line, with the columns of the incidents table and the first thing wrong
-- with it (err_field, err_msg), or NULL. Each file here reads the same way: $1 is the
-- spool of its type's lines (a glob), and ingest/file stores the rows without an error,
-- or names the first line with one. A line whose type the Go reader could not tell
-- lands here and is reported by import_line_error.
with fields as (
    select line, j, line_error, keys,
        (j.type is not null)::int + (j.id is not null)::int + (j.service is not null)::int + (j.title is not null)::int
            + (j.urgency is not null)::int + (j.priority is not null)::int + (j.created_at is not null)::int
            + (j.acknowledged_at is not null)::int + (j.resolved_at is not null)::int + (j.resolved_by is not null)::int
            + (j.rule is not null)::int + (j.runbook_url is not null)::int + (j.escalations is not null)::int
            + (j.manual_escalations is not null)::int + (j.labels is not null)::int as present,
        j.id as incident_id,
        j.service as service_id,
        coalesce(j.title, '') as title,
        coalesce(nullif(j.urgency, ''), 'high') as urgency, -- PagerDuty's default for a service
        coalesce(j.priority, '') as priority,
        j.created_at as created_text,
        j.acknowledged_at as acknowledged_text,
        j.resolved_at as resolved_text,
        coalesce(j.resolved_by, '') as resolved_by,
        coalesce(j.rule, '') as rule,
        coalesce(j.runbook_url, '') as runbook_url,
        coalesce(try_cast(j.escalations::varchar as integer), 0) as escalations,
        coalesce(try_cast(j.manual_escalations::varchar as integer), 0) as manual_escalations,
        case when json_type(j.labels) = 'OBJECT' then j.labels::varchar end as labels
    from import_records($1, '{"type": "JSON", "id": "VARCHAR", "service": "VARCHAR", "title": "VARCHAR", "urgency": "VARCHAR",
            "priority": "VARCHAR", "created_at": "VARCHAR", "acknowledged_at": "VARCHAR", "resolved_at": "VARCHAR",
            "resolved_by": "VARCHAR", "rule": "VARCHAR", "runbook_url": "VARCHAR", "escalations": "JSON",
            "manual_escalations": "JSON", "labels": "JSON"}', 'incident')
),

times as (
    select *,
        import_time(created_text) as created_at,
        import_time(acknowledged_text) as acknowledged_at,
        import_time(resolved_text) as resolved_at
    from fields
)

select line, incident_id, service_id, title, urgency, priority, created_at,
    acknowledged_at, resolved_at, resolved_by, rule, runbook_url, escalations, manual_escalations, labels,
    err.field as err_field, err.msg as err_msg
from (
    select *,
        coalesce(
            line_error,
            import_unknown_field(keys, present, ['type', 'id', 'service', 'title', 'urgency', 'priority', 'created_at',
                'acknowledged_at', 'resolved_at', 'resolved_by', 'rule', 'runbook_url', 'escalations',
                'manual_escalations', 'labels']),
            import_want_whole('escalations', j.escalations), import_want_whole('manual_escalations', j.manual_escalations),
            case when json_type(j.labels) not in ('OBJECT', 'NULL')
                then {'field': 'labels', 'msg': 'want a JSON object of names to values'} end,
            import_required('id', incident_id),
            import_required('service', service_id),
            import_one_of('urgency', urgency, ['high', 'low']),
            case when not list_contains(['', 'P1', 'P2', 'P3', 'P4', 'P5'], priority)
                then {'field': 'priority', 'msg': 'want P1 to P5 or empty, got ' || import_q(priority)} end,
            import_one_of('resolved_by', resolved_by, ['human', 'auto', '']),
            case when escalations < 0 or manual_escalations < 0
                then {'field': 'escalations', 'msg': 'must not be negative'} end,
            import_want_time('created_at', created_text, created_at, true),
            import_want_time('acknowledged_at', acknowledged_text, acknowledged_at, false),
            import_want_time('resolved_at', resolved_text, resolved_at, false),
            case when acknowledged_at < created_at
                then {'field': 'acknowledged_at', 'msg': acknowledged_text || ' is before created_at ' || created_text} end,
            case when resolved_at < created_at
                then {'field': 'resolved_at', 'msg': resolved_text || ' is before created_at ' || created_text} end
        ) as err
    from times
)
