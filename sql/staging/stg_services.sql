-- grain: one row per service per source
select
    source,
    service_id,
    name                                  as service_name,
    coalesce(nullif(team, ''), 'unassigned')     as team,
    coalesce(nullif(rotation, ''), nullif(team, ''), 'default') as rotation
from services
