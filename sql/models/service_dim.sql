-- materialized: temp
-- grain: one row per service per source, with its team after the config's team_map
select
    s.source,
    s.service_id,
    s.service_name,
    coalesce(m.to_team, s.team) as team,
    s.rotation
from stg_services s
left join cfg_team_map m on m.from_team = s.team
