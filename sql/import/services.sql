-- The file's service records (docs/import-format.md, "service"), read and checked, with
-- the columns of the services table.
with fields as (
    select line, j, line_error, keys,
        (j.type is not null)::int + (j.id is not null)::int + (j.name is not null)::int + (j.team is not null)::int
            + (j.rotation is not null)::int as present,
        j.id as service_id,
        coalesce(nullif(j.name, ''), j.id) as name,
        coalesce(j.team, '') as team,
        coalesce(j.rotation, '') as rotation
    from import_records($1, '{"type": "JSON", "id": "VARCHAR", "name": "VARCHAR", "team": "VARCHAR", "rotation": "VARCHAR"}', 'service')
)

select line, service_id, name, team, rotation,
    err.field as err_field, err.msg as err_msg
from (
    select *,
        coalesce(
            line_error,
            import_unknown_field(keys, present, ['type', 'id', 'name', 'team', 'rotation']),
            import_required('id', service_id)
        ) as err
    from fields
)
