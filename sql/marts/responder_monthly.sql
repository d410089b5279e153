-- partition: responder_id, month
-- partition reads: interruptions
-- grain: one row per person per month (reporting time zone) in which they were
-- interrupted. A shift is a 12-hour half of the person's local day (00-12, 12-24): the
-- history holds no schedules, so this stands in for the SRE book's 12-hour shift.
with interrupted as not materialized (
    select * from interruptions
),
shifts as (
    select source, responder_id, month, local_at::date as shift_day, hour(local_at) < 12 as first_half,
           count(distinct incident_id) as shift_pages
    from interrupted
    group by all
),
shift_load as (
    select source, responder_id, month,
           max(shift_pages)                          as busiest_shift_pages,
           count(*) filter (where shift_pages > 2)   as shifts_over_limit
    from shifts
    group by all
),
load as (
    select
        source, responder_id, month,
        string_agg(distinct rotation, ', ' order by rotation)                         as rotations,
        any_value(time_zone)                                                           as time_zone,
        count(*)                                                                       as interruptions,
        count(distinct incident_id)                                                    as pages,
        count(distinct incident_id) filter (where hour_window in ('off_hours', 'sleep')) as after_hours_pages,
        count(distinct incident_id) filter (where hour_window = 'sleep')              as sleep_hours_pages,
        count(distinct date_trunc('hour', local_at))                                   as hours_interrupted
    from interrupted
    group by all
),
final as (
    select
        l.*,
        coalesce(r.responder_name, l.responder_id) as responder_name,
        s.busiest_shift_pages,
        s.shifts_over_limit
    from load l
    join shift_load s using (source, responder_id, month)
    left join stg_responders r using (source, responder_id)
)
select * from final
