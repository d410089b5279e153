-- grain: one row per interruption: an interrupting notification (phone, SMS, push) to
-- one person for one incident; notifications within 60 seconds of the one that opened an
-- interruption fold into it. Each carries the local time and hour window of the person
-- interrupted (their source zone, else config person, rotation, organisation zone).
with recursive numbered as (
    select
        source, incident_id, responder_id, channel, notified_at,
        row_number() over (partition by source, incident_id, responder_id order by notified_at, channel) as rn
    from stg_notifications
    where is_interrupting
),
walk as (
    select source, incident_id, responder_id, channel, notified_at, rn,
           notified_at as opened_at, true as is_new
    from numbered
    where rn = 1
    union all
    select n.source, n.incident_id, n.responder_id, n.channel, n.notified_at, n.rn,
           case when n.notified_at - w.opened_at <= interval 60 seconds then w.opened_at else n.notified_at end,
           n.notified_at - w.opened_at > interval 60 seconds
    from walk w
    join numbered n
      on n.source = w.source and n.incident_id = w.incident_id
     and n.responder_id = w.responder_id and n.rn = w.rn + 1
),
opened as (
    select source, incident_id, responder_id, channel, notified_at as interrupted_at
    from walk
    where is_new
),
incident_rotation as (
    select i.source, i.incident_id, coalesce(s.rotation, 'default') as rotation
    from stg_incidents i
    left join service_dim s using (source, service_id)
),
known_zones as (
    select distinct zone from tz_periods
),
with_settings as (
    select
        o.*,
        ir.rotation,
        coalesce(kz.zone, p.time_zone, ro.time_zone, org.time_zone)                 as time_zone,
        coalesce(p.business_days, ro.business_days, org.business_days)             as business_days,
        coalesce(p.business_start_minute, ro.business_start_minute, org.business_start_minute) as business_start,
        coalesce(p.business_end_minute, ro.business_end_minute, org.business_end_minute)       as business_end,
        coalesce(p.sleep_start_minute, ro.sleep_start_minute, org.sleep_start_minute)          as sleep_start,
        coalesce(p.sleep_end_minute, ro.sleep_end_minute, org.sleep_end_minute)                as sleep_end,
        coalesce(p.holiday_key, ro.holiday_key, org.holiday_key)                    as holiday_key
    from opened o
    join incident_rotation ir using (source, incident_id)
    left join stg_responders r using (source, responder_id)
    left join known_zones kz on kz.zone = r.time_zone
    left join cfg_scopes p on p.scope_type = 'person' and p.scope = o.responder_id
    left join cfg_scopes ro on ro.scope_type = 'rotation' and ro.scope = ir.rotation
    cross join (select * from cfg_scopes where scope_type = 'org') org
),
localised as (
    select
        w.*,
        w.interrupted_at + to_seconds(z.utc_offset_seconds) as local_at,
        w.interrupted_at + to_seconds(rz.utc_offset_seconds) as reporting_at
    from with_settings w
    join tz_periods z
      on z.zone = w.time_zone and w.interrupted_at >= z.valid_from and w.interrupted_at < z.valid_until
    join cfg_settings s on true
    join tz_periods rz
      on rz.zone = s.reporting_time_zone and w.interrupted_at >= rz.valid_from and w.interrupted_at < rz.valid_until
),
final as (
    select
        l.source,
        l.incident_id,
        l.responder_id,
        l.channel,
        l.interrupted_at,
        l.rotation,
        l.time_zone,
        l.local_at,
        hour_window(l.local_at, l.business_days, l.business_start, l.business_end,
                    l.sleep_start, l.sleep_end, h.holiday_date is not null) as hour_window,
        date_trunc('month', l.reporting_at)::date                          as month
    from localised l
    left join cfg_holidays h on h.holiday_key = l.holiday_key and h.holiday_date = l.local_at::date
)
select * from final
