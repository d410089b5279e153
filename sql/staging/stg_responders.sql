-- grain: one row per responder per source
select
    source,
    responder_id,
    name          as responder_name,
    email,
    nullif(time_zone, '') as time_zone
from responders
