-- materialized: temp
-- grain: one row per real on-call shift (oncall_spans) per UTC quarter hour it touches,
-- with the seconds of that quarter on call, the rotation it is paid under (of the shifts
-- covering it, the lowest escalation level, then the rotation's name), and the quarter's
-- local time in the person's zone, hour window, local date, weekend and holiday, and its
-- reporting week and month. Zone, hours and holidays resolve person -> rotation ->
-- organisation in scope_settings, and hour_window is the one window formula. Every UTC
-- quarter hour lies within one local quarter hour (zones are whole quarter hours off
-- UTC), so a quarter has one window; windows set off the quarter hour are judged by the
-- quarter's start.
with spans as (
    select * from oncall_spans
),
quarters as (
    select s.source, s.responder_id, s.span_id, q.q as quarter_at,
           greatest(q.q, s.starts_at) as piece_from,
           least(q.q + interval 15 minutes, s.ends_at) as piece_until
    from spans s,
         unnest(generate_series(time_bucket(interval 15 minutes, s.starts_at),
                                s.ends_at - interval 1 microsecond, interval 15 minutes)) as q(q)
),
paid_under as (
    select q.source, q.responder_id, q.span_id, q.quarter_at,
           any_value(q.piece_from) as piece_from, any_value(q.piece_until) as piece_until,
           arg_min(sh.rotation, (sh.escalation_level, sh.rotation)) as rotation,
           min(sh.escalation_level) as escalation_level
    from quarters q
    join stg_oncall_shifts sh
      on sh.source = q.source and sh.responder_id = q.responder_id
     and sh.starts_at < q.piece_until and sh.ends_at > q.piece_from
    group by all
),
localised as (
    select p.*, st.time_zone, st.business_days, st.business_start, st.business_end,
           st.sleep_start, st.sleep_end, st.holiday_key,
           p.quarter_at + to_seconds(z.utc_offset_seconds)  as local_at,
           p.quarter_at + to_seconds(rz.utc_offset_seconds) as reporting_at
    -- the reporting zone joined as a column of each row, as in local_times
    from (select p.*, cs.reporting_time_zone from paid_under p cross join cfg_settings cs) p
    join scope_settings st
      on st.rotation = p.rotation and st.source = p.source and st.responder_id = p.responder_id
    join tz_periods z
      on z.zone = st.time_zone and p.quarter_at >= z.valid_from and p.quarter_at < z.valid_until
    join tz_periods rz
      on rz.zone = p.reporting_time_zone and p.quarter_at >= rz.valid_from and p.quarter_at < rz.valid_until
),
final as (
    select
        l.source,
        l.responder_id,
        l.span_id,
        l.rotation,
        l.escalation_level,
        l.quarter_at,
        epoch(l.piece_until - l.piece_from)                         as seconds,
        l.time_zone,
        l.local_at,
        hour_window(l.local_at, l.business_days, l.business_start, l.business_end,
                    l.sleep_start, l.sleep_end, h.holiday_date is not null) as hour_window,
        l.local_at::date                                            as local_date,
        isodow(l.local_at) in (6, 7)                                as is_weekend,
        h.holiday_date is not null                                  as is_holiday,
        date_trunc('week', l.reporting_at)::date                    as week,
        date_trunc('month', l.reporting_at)::date                   as month
    from localised l
    left join cfg_holidays h on h.holiday_key = l.holiday_key and h.holiday_date = l.local_at::date
)
select * from final
