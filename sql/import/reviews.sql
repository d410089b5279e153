-- The file's review records (docs/import-format.md, "review"), read and checked, with
-- the columns of the reviews table.
with fields as (
    select line, j, line_error, keys,
        (j.type is not null)::int + (j.incident is not null)::int + (j.tag is not null)::int + (j.note is not null)::int
            + (j.reviewer is not null)::int + (j.reviewed_at is not null)::int as present,
        j.incident as incident_id,
        coalesce(j.tag, '') as tag,
        coalesce(j.note, '') as note,
        coalesce(j.reviewer, '') as reviewer,
        j.reviewed_at as reviewed_text,
        import_time(j.reviewed_at) as reviewed_at
    from import_records($1, '{"type": "JSON", "incident": "VARCHAR", "tag": "VARCHAR", "note": "VARCHAR", "reviewer": "VARCHAR",
            "reviewed_at": "VARCHAR"}', 'review')
)

select line, incident_id, tag, note, reviewer, reviewed_at,
    err.field as err_field, err.msg as err_msg
from (
    select *,
        coalesce(
            line_error,
            import_unknown_field(keys, present, ['type', 'incident', 'tag', 'note', 'reviewer', 'reviewed_at']),
            import_required('incident', incident_id),
            import_one_of('tag', tag, ['no_action', 'action_taken']),
            import_want_time('reviewed_at', reviewed_text, reviewed_at, false)
        ) as err
    from fields
)
