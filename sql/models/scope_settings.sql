-- materialized: temp
-- incremental: incident
-- grain: one row per rotation of the history (source and responder_id '') and per
-- person interrupted for it or on call for it (oncall_shifts): the settings that judge an hour window there, each resolved
-- person -> rotation -> organisation (METRICS.md, "Time"). A person's zone from their
-- source comes first when the zone database knows it. The organisation's row in
-- cfg_scopes carries the defaults, so every setting ends in a value.
-- (read twice, so DuckDB keeps it: only the columns read)
with owners as (
    select source, incident_id, rotation from incident_owners
),
judged as (
    select distinct o.rotation, i.source, i.responder_id
    from opened_interruptions i
    join owners o using (source, incident_id)
    union all
    select distinct rotation, '', ''
    from owners
    union
    -- People on call who were never paged need their zone and windows too.
    select distinct rotation, source, responder_id
    from stg_oncall_shifts
),
known_zones as (
    select distinct zone from tz_periods
),
org as (
    select * from cfg_scopes where scope_type = 'org'
),
final as (
    select
        j.rotation,
        j.source,
        j.responder_id,
        coalesce(kz.zone, p.time_zone, ro.time_zone, org.time_zone)                            as time_zone,
        coalesce(p.business_days, ro.business_days, org.business_days)                         as business_days,
        coalesce(p.business_start_minute, ro.business_start_minute, org.business_start_minute) as business_start,
        coalesce(p.business_end_minute, ro.business_end_minute, org.business_end_minute)       as business_end,
        coalesce(p.sleep_start_minute, ro.sleep_start_minute, org.sleep_start_minute)          as sleep_start,
        coalesce(p.sleep_end_minute, ro.sleep_end_minute, org.sleep_end_minute)                as sleep_end,
        coalesce(p.holiday_key, ro.holiday_key, org.holiday_key)                               as holiday_key
    from judged j
    left join stg_responders r on j.responder_id <> '' and r.source = j.source and r.responder_id = j.responder_id
    left join known_zones kz on kz.zone = r.time_zone
    left join cfg_scopes p on j.responder_id <> '' and p.scope_type = 'person' and p.scope = j.responder_id
    left join cfg_scopes ro on ro.scope_type = 'rotation' and ro.scope = j.rotation
    cross join org
)
select * from final
