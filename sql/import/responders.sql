-- The file's responder records (docs/import-format.md, "responder"), read and checked,
-- one row per line, with the columns of the responders table.
with fields as (
    select line, j, line_error, keys,
        (j.type is not null)::int + (j.id is not null)::int + (j.name is not null)::int + (j.email is not null)::int
            + (j.time_zone is not null)::int as present,
        j.id as responder_id,
        coalesce(nullif(j.name, ''), j.id) as name,
        coalesce(j.email, '') as email,
        coalesce(j.time_zone, '') as time_zone
    from import_records($1, '{"type": "JSON", "id": "VARCHAR", "name": "VARCHAR", "email": "VARCHAR", "time_zone": "VARCHAR"}', 'responder')
)

select line, responder_id, name, email, time_zone,
    err.field as err_field, err.msg as err_msg
from (
    select *,
        coalesce(
            line_error,
            import_unknown_field(keys, present, ['type', 'id', 'name', 'email', 'time_zone']),
            import_required('id', responder_id),
            -- the zones the models convert times with (ICU's)
            case when time_zone <> '' and time_zone not in (select name from pg_timezone_names())
                then {'field': 'time_zone', 'msg': 'want an IANA time zone such as Europe/Dublin, got ' || import_q(time_zone)} end
        ) as err
    from fields
)
