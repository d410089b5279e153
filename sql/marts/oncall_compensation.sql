-- partition: responder_id, month, with a month either side
-- grain: one row per person per month (of the reporting zone) with time on call or an
-- after-hours page: the rate card (cfg_compensation: the rotation's card, else the
-- top-level one) applied part by part, each part beside the rule that produced it.
--   weekly_shift:          hours on call / 168 x the week's rate, per rotation paid under
--   weekend_day:           local Saturdays and Sundays on call (not holidays) x the rate
--   holiday_day:           local public holidays on call x the rate (instead of weekend_day)
--   per_after_hours_page:  pages whose first interruption of the person was after hours
--   per_hour_interrupted:  distinct local clock hours after hours holding an interruption
-- A day is paid under the rotation of its first quarter on call, a page under its
-- incident's rotation, an hour interrupted under the rotation of its first interruption.
-- Parts are rounded to cents and the amount is their sum, so the parts add up.
with cards as (
    select q.rotation, coalesce(c.rotation, '') as card
    from (select distinct rotation from oncall_quarters union select distinct rotation from interruptions) q
    left join cfg_compensation c on c.rotation = q.rotation
),
rates as (
    select k.rotation, c.* exclude (rotation)
    from cards k join cfg_compensation c on c.rotation = k.card
),
hours as (
    select source, responder_id, month, rotation, sum(seconds) / 3600 as hours,
           sum(seconds) filter (where hour_window = 'business') / 3600  as business_hours,
           sum(seconds) filter (where hour_window = 'off_hours') / 3600 as off_hours,
           sum(seconds) filter (where hour_window = 'sleep') / 3600     as sleep_hours
    from oncall_quarters
    group by all
),
days as (
    select source, responder_id, local_date, arg_min(month, quarter_at) as month,
           arg_min(rotation, quarter_at) as rotation,
           bool_or(is_weekend) as is_weekend, bool_or(is_holiday) as is_holiday
    from oncall_quarters
    group by all
),
first_interruptions as (
    select source, responder_id, incident_id, arg_min(month, interrupted_at) as month,
           arg_min(rotation, interrupted_at) as rotation, arg_min(hour_window, interrupted_at) as hour_window
    from interruptions
    group by all
),
hours_interrupted as (
    select source, responder_id, date_trunc('hour', local_at) as local_hour,
           arg_min(month, interrupted_at) as month, arg_min(rotation, interrupted_at) as rotation
    from interruptions
    where hour_window in ('off_hours', 'sleep')
    group by all
),
parts as (
    select source, responder_id, month, rotation, hours, business_hours, off_hours, sleep_hours,
           0 as weekend_days, 0 as holiday_days, 0 as after_hours_pages, 0 as hours_interrupted
    from hours
    union all
    select source, responder_id, month, rotation, 0, 0, 0, 0,
           count(*) filter (where is_weekend and not is_holiday), count(*) filter (where is_holiday), 0, 0
    from days group by all
    union all
    select source, responder_id, month, rotation, 0, 0, 0, 0, 0, 0, count(*), 0
    from first_interruptions where hour_window in ('off_hours', 'sleep') group by all
    union all
    select source, responder_id, month, rotation, 0, 0, 0, 0, 0, 0, 0, count(*)
    from hours_interrupted group by all
),
per_rotation as (
    select p.source, p.responder_id, p.month, p.rotation,
           sum(p.hours) as hours, sum(p.business_hours) as business_hours, sum(p.off_hours) as off_hours,
           sum(p.sleep_hours) as sleep_hours, sum(p.weekend_days) as weekend_days, sum(p.holiday_days) as holiday_days,
           sum(p.after_hours_pages) as after_hours_pages, sum(p.hours_interrupted) as hours_interrupted,
           any_value(r.weekly_shift) as weekly_rate, any_value(r.weekend_day) as weekend_rate,
           any_value(r.holiday_day) as holiday_rate, any_value(r.per_after_hours_page) as page_rate,
           any_value(r.per_hour_interrupted) as hour_rate
    from parts p
    join rates r using (rotation)
    group by all
),
final as (
    select
        p.source, p.responder_id, coalesce(any_value(rs.responder_name), p.responder_id) as responder_name, p.month,
        (select currency from cfg_compensation where rotation = '')                   as currency,
        string_agg(p.rotation, ', ' order by p.rotation)                              as rotations,
        round(sum(p.hours), 2)                          as hours_on_call,
        round(sum(coalesce(p.business_hours, 0)), 2)    as business_hours,
        round(sum(coalesce(p.off_hours, 0)), 2)         as off_hours,
        round(sum(coalesce(p.sleep_hours, 0)), 2)       as sleep_hours,
        sum(p.weekend_days)::integer                    as weekend_days,
        sum(p.holiday_days)::integer                    as holiday_days,
        sum(p.after_hours_pages)::integer               as after_hours_pages,
        sum(p.hours_interrupted)::integer               as hours_interrupted,
        round(sum(p.hours / 168 * p.weekly_rate), 2)    as weekly_shift_amount,
        round(sum(p.weekend_days * p.weekend_rate), 2)  as weekend_day_amount,
        round(sum(p.holiday_days * p.holiday_rate), 2)  as holiday_day_amount,
        round(sum(p.after_hours_pages * p.page_rate), 2) as after_hours_page_amount,
        round(sum(p.hours_interrupted * p.hour_rate), 2) as hours_interrupted_amount,
        string_agg(p.rotation || ': ' || printf('%.2f', p.hours) || ' h / 168 x ' || printf('%.2f', p.weekly_rate), '; ' order by p.rotation)
            filter (where p.hours > 0)                                                   as weekly_shift_rule,
        string_agg(p.rotation || ': ' || p.weekend_days || ' x ' || printf('%.2f', p.weekend_rate), '; ' order by p.rotation)
            filter (where p.weekend_days > 0)                                            as weekend_day_rule,
        string_agg(p.rotation || ': ' || p.holiday_days || ' x ' || printf('%.2f', p.holiday_rate), '; ' order by p.rotation)
            filter (where p.holiday_days > 0)                                            as holiday_day_rule,
        string_agg(p.rotation || ': ' || p.after_hours_pages || ' x ' || printf('%.2f', p.page_rate), '; ' order by p.rotation)
            filter (where p.after_hours_pages > 0)                                       as after_hours_page_rule,
        string_agg(p.rotation || ': ' || p.hours_interrupted || ' x ' || printf('%.2f', p.hour_rate), '; ' order by p.rotation)
            filter (where p.hours_interrupted > 0)                                       as hours_interrupted_rule
    from per_rotation p
    left join stg_responders rs using (source, responder_id)
    group by p.source, p.responder_id, p.month
)
select *,
       -- rounded again: a sum of doubles that are each whole cents need not be one
       round(weekly_shift_amount + weekend_day_amount + holiday_day_amount
             + after_hours_page_amount + hours_interrupted_amount, 2) as amount
from final
