-- responder_load(from_month, to_month, team, rotation)
-- grain: one row per person interrupted in the period (for incidents of the team and
-- rotation, where given), most interrupted first. Its figures are distinct counts over
-- the interruptions: pages (incidents), local clock hours, and 12-hour local shifts, each
-- of which can fall on both sides of a reporting-month boundary (the person's local day
-- is not the reporting zone's) and hold incidents of several teams. No per-month or
-- per-owner rollup adds up to them, so this reads the interruption level, narrowed to
-- the period and owner before anything is counted.
create or replace macro responder_load(from_month, to_month, team, rotation) as table
with interrupted as (
    select i.*, o.team
    from interruptions i
    join incident_owners o using (source, incident_id)
    where (from_month is null or i.month >= from_month)
      and (to_month is null or i.month <= to_month)
      and (team is null or o.team = team)
      and (rotation is null or i.rotation = rotation)
),
shifts as (
    select source, responder_id, local_at::date, hour(local_at) < 12, count(distinct incident_id) as shift_pages
    from interrupted
    group by all
),
shift_load as (
    select source, responder_id, max(shift_pages) as busiest_shift_pages,
           count(*) filter (where shift_pages > 2) as shifts_over_limit
    from shifts
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
        any_value(sl.busiest_shift_pages)                                                      as busiest_shift_pages,
        any_value(sl.shifts_over_limit)                                                        as shifts_over_limit
    from interrupted i
    join shift_load sl using (source, responder_id)
    left join stg_responders r using (source, responder_id)
    group by i.source, i.responder_id
)
select * from final
order by interruptions desc, responder_id
