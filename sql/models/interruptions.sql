-- grain: one row per interruption (opened_interruptions), with the rotation paged, the
-- local time and hour window of the person interrupted, and the reporting month.
with opened as (
    select * from opened_interruptions
),
final as (
    select
        o.source,
        o.incident_id,
        o.responder_id,
        o.channel,
        o.interrupted_at,
        w.rotation,
        l.time_zone,
        l.local_at,
        l.hour_window,
        l.month
    from opened o
    join incident_owners w using (source, incident_id)
    join local_times l
      on l.source = o.source and l.incident_id = o.incident_id
     and l.responder_id = o.responder_id and l.at = o.interrupted_at
)
select * from final
