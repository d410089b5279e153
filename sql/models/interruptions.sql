-- incremental: incident
-- grain: one row per interruption (opened_interruptions), with the team and rotation paged, the
-- local time and hour window of the person interrupted, and the reporting month: the
-- rows of local_times for people (its responder_id '' rows are incident creations).
select
    l.source,
    l.incident_id,
    l.responder_id,
    l.channel,
    l.at as interrupted_at,
    l.team,
    l.rotation,
    l.time_zone,
    l.local_at,
    l.hour_window,
    l.month
from local_times l
where l.responder_id <> ''
