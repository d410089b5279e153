-- The file's notification records (docs/import-format.md, "notification"), read and
-- checked: one row per line, with the columns of the notifications table.
with fields as (
    select line, j, line_error, keys,
        (j.type is not null)::int + (j.incident is not null)::int + (j.responder is not null)::int
            + (j.channel is not null)::int + (j.at is not null)::int as present,
        j.incident as incident_id,
        j.responder as responder_id,
        coalesce(j.channel, '') as channel,
        j.at as at_text,
        import_time(j.at) as notified_at
    from import_records($1, '{"type": "JSON", "incident": "VARCHAR", "responder": "VARCHAR", "channel": "VARCHAR", "at": "VARCHAR"}', 'notification')
)

select line, incident_id, responder_id, channel, notified_at,
    err.field as err_field, err.msg as err_msg
from (
    select *,
        coalesce(
            line_error,
            import_unknown_field(keys, present, ['type', 'incident', 'responder', 'channel', 'at']),
            import_required('incident', incident_id),
            import_required('responder', responder_id),
            import_one_of('channel', channel, ['phone', 'sms', 'push', 'email', 'chat']),
            import_want_time('at', at_text, notified_at, true)
        ) as err
    from fields
)
