-- responder_load(from_month, to_month, team, rotation)
-- grain: one row per person interrupted in the period (for incidents of the team and
-- rotation, where given), most interrupted first. Its figures are distinct counts over
-- the interruptions: pages (incidents), local clock hours, and shifts, each of which can
-- fall on both sides of a reporting-month boundary (the person's local day is not the
-- reporting zone's) and hold incidents of several teams. No per-month or per-owner rollup
-- adds up to them, so this reads the interruption level, narrowed to the period and owner
-- before anything is counted.
-- Shifts are the person's real on-call shifts (oncall_spans, merged) when the schedules
-- hold any for them: the busiest is the one with the most pages, and one is over the limit
-- when its pages exceed the SRE reference scaled to its length (2 per 12 hours, as
-- oncall_shift_load). A person with no shift at all keeps the old guess, 12-hour local
-- halves of the day against 2 pages. shifts_from says which: 'schedule' or '12h guess'.
-- A scheduled person's page outside every shift of theirs is in no shift.
create or replace macro responder_load(from_month, to_month, team, rotation) as table
with interrupted as (
    select i.*
    from interruptions i
    where (from_month is null or i.month >= from_month)
      and (to_month is null or i.month <= to_month)
      and (team is null or i.team = team)
      and (rotation is null or i.rotation = rotation)
),
scheduled as (
    select distinct source, responder_id from oncall_spans
),
real_shifts as (
    select i.source, i.responder_id, sp.span_id, any_value(sp.hours) as hours, count(distinct i.incident_id) as shift_pages
    from interrupted i
    join oncall_spans sp
      on sp.source = i.source and sp.responder_id = i.responder_id
     and i.interrupted_at >= sp.starts_at and i.interrupted_at < sp.ends_at
    group by all
),
guessed_shifts as (
    select i.source, i.responder_id, i.local_at::date, hour(i.local_at) < 12, count(distinct i.incident_id) as shift_pages
    from interrupted i
    anti join scheduled using (source, responder_id)
    group by all
),
shift_load as (
    select source, responder_id, max(shift_pages) as busiest_shift_pages,
           count(*) filter (where shift_pages > hours / 12 * 2) as shifts_over_limit
    from real_shifts
    group by all
    union all
    select source, responder_id, max(shift_pages), count(*) filter (where shift_pages > 2)
    from guessed_shifts
    group by all
),
final as (
    select
        i.source,
        i.responder_id,
        coalesce(any_value(r.responder_name), i.responder_id)                                 as responder_name,
        any_value(i.time_zone)                                                                 as time_zone,
        string_agg(distinct i.rotation, ', ' order by i.rotation)                             as rotations,
        count(*)                                                                               as interruptions,
        count(distinct i.incident_id)                                                          as pages,
        count(distinct i.incident_id) filter (where i.hour_window in ('off_hours', 'sleep'))  as after_hours_pages,
        count(distinct i.incident_id) filter (where i.hour_window = 'sleep')                  as sleep_hours_pages,
        count(distinct date_trunc('hour', i.local_at))                                         as hours_interrupted,
        coalesce(any_value(sl.busiest_shift_pages), 0)                                         as busiest_shift_pages,
        coalesce(any_value(sl.shifts_over_limit), 0)                                           as shifts_over_limit,
        case when bool_or(sc.responder_id is not null) then 'schedule' else '12h guess' end    as shifts_from
    from interrupted i
    left join shift_load sl using (source, responder_id)
    left join scheduled sc using (source, responder_id)
    left join stg_responders r using (source, responder_id)
    group by i.source, i.responder_id
)
select * from final
order by interruptions desc, responder_id
