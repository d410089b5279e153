-- The file's on-call shift records (docs/import-format.md, "oncall_shift"), read and
-- checked: one row per line, with the columns of the oncall_shifts table.
with fields as (
    select line, j, line_error, keys,
        (j.type is not null)::int + (j.id is not null)::int + (j.responder is not null)::int + (j.rotation is not null)::int
            + (j.escalation_level is not null)::int + (j.starts_at is not null)::int + (j.ends_at is not null)::int as present,
        coalesce(j.id, '') as id,
        j.responder as responder_id,
        j.rotation as rotation,
        coalesce(try_cast(j.escalation_level::varchar as integer), 1) as escalation_level, -- the first tier
        j.starts_at as starts_text,
        j.ends_at as ends_text,
        import_time(j.starts_at) as starts_at,
        import_time(j.ends_at) as ends_at
    from import_records($1, '{"type": "JSON", "id": "VARCHAR", "responder": "VARCHAR", "rotation": "VARCHAR",
            "escalation_level": "JSON", "starts_at": "VARCHAR", "ends_at": "VARCHAR"}', 'oncall_shift')
),

keyed as (
    select *,
        -- without an id, a shift is keyed by what it is, so importing it again replaces it
        case when id <> '' then id
            else responder_id || '|' || rotation || '|' || escalation_level || '|' || strftime(starts_at, '%Y-%m-%dT%H:%M:%SZ')
        end as shift_id
    from fields
)

select line, shift_id, responder_id, rotation, escalation_level, starts_at, ends_at,
    err.field as err_field, err.msg as err_msg
from (
    select *,
        coalesce(
            line_error,
            import_unknown_field(keys, present, ['type', 'id', 'responder', 'rotation', 'escalation_level', 'starts_at', 'ends_at']),
            import_want_whole('escalation_level', j.escalation_level), import_required('responder', responder_id),
            import_required('rotation', rotation),
            case when escalation_level not between 1 and 20
                then {'field': 'escalation_level', 'msg': 'want 1 (the first tier) to 20, got ' || escalation_level} end,
            import_want_time('starts_at', starts_text, starts_at, true),
            import_want_time('ends_at', ends_text, ends_at, true),
            case when ends_at <= starts_at
                then {'field': 'ends_at', 'msg': ends_text || ' is not after starts_at ' || starts_text} end,
            -- a longer shift is almost surely a mistyped date, and would be paid as weeks of on-call
            case when ends_at - starts_at > interval 31 days
                then {'field': 'ends_at', 'msg': 'the shift lasts ' || (epoch(ends_at - starts_at) // 3600)::bigint || 'h'
                    || (epoch(ends_at - starts_at) % 3600 // 60)::bigint || 'm' || (epoch(ends_at - starts_at) % 60)::bigint
                    || 's, over the 31 days one record may hold: split it'} end
        ) as err
    from keyed
)
