-- materialized: temp
-- incremental: incident
-- grain: one row per moment a metric places in time: each interruption, judged for the
-- person interrupted, and each incident's creation, judged for its rotation (responder_id
-- ''). It is the one place where a UTC instant becomes a local wall clock and an hour
-- window (scope_settings, tz_periods, cfg_holidays) and a reporting month. Local times
-- come from a range join on tz_periods rather than per-row timezone(), which is slower.
-- An interruption's row carries its channel and owner too, so that interruptions is this
-- model's rows for people rather than a second join of the same tables.
with moments as (
    select i.source, i.incident_id, i.responder_id, i.channel, i.interrupted_at as at, o.team, o.rotation
    from opened_interruptions i
    join incident_owners o using (source, incident_id)
    union all
    select source, incident_id, '', null, created_at, team, rotation
    from incident_owners
),
judged as (
    select m.*, s.* exclude (rotation, source, responder_id)
    from moments m
    join scope_settings s
      on s.rotation = m.rotation
     and s.source = case when m.responder_id = '' then '' else m.source end
     and s.responder_id = m.responder_id
),
localised as (
    select
        j.*,
        j.at + to_seconds(z.utc_offset_seconds)  as local_at,
        j.at + to_seconds(rz.utc_offset_seconds) as reporting_at
    -- the reporting zone as a column of each row: joined on a zone of its own rows,
    -- the range join is a hash join on the zone too; joined on the one settings
    -- row's, DuckDB sorted every row for a merge join (1.9 s against 1.2 s for the
    -- whole model at a million incidents)
    from (select j.*, st.reporting_time_zone from judged j cross join cfg_settings st) j
    join tz_periods z
      on z.zone = j.time_zone and j.at >= z.valid_from and j.at < z.valid_until
    join tz_periods rz
      on rz.zone = j.reporting_time_zone and j.at >= rz.valid_from and j.at < rz.valid_until
),
final as (
    select
        l.source,
        l.incident_id,
        l.responder_id,
        l.channel,
        l.at,
        l.team,
        l.rotation,
        l.time_zone,
        l.local_at,
        hour_window(l.local_at, l.business_days, l.business_start, l.business_end,
                    l.sleep_start, l.sleep_end, h.holiday_date is not null) as hour_window,
        l.reporting_at,
        date_trunc('month', l.reporting_at)::date                          as month
    from localised l
    left join cfg_holidays h on h.holiday_key = l.holiday_key and h.holiday_date = l.local_at::date
)
select * from final
