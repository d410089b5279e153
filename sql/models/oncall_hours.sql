-- materialized: temp
-- grain: one row per person on call per period, for two kinds of period: the ISO week
-- (Monday first) and the month, both cut in the reporting zone. Hours on call split by
-- hour window in the person's zone, weekend and holiday days on call. Hours are placed
-- by their own quarter hour, so a shift over a period edge splits there. A day on call is
-- a local date holding any time on call, placed in the period of its first quarter; a
-- public holiday on a weekend is a holiday day, not a weekend day. The weekly and monthly
-- marts each read their kind.
with quarters as (
    select q.*, k.period_kind, case k.period_kind when 'week' then q.week else q.month end as period
    from oncall_quarters q
    cross join (values ('week'), ('month')) k(period_kind)
),
days as (
    select source, responder_id, period_kind, local_date, bool_or(is_weekend) as is_weekend, bool_or(is_holiday) as is_holiday,
           arg_min(period, quarter_at) as period
    from quarters
    group by all
),
day_counts as (
    select source, responder_id, period_kind, period,
           count(*) filter (where is_weekend and not is_holiday) as weekend_days,
           count(*) filter (where is_holiday)                    as holiday_days
    from days
    group by all
),
hours as (
    select source, responder_id, period_kind, period,
           round(sum(seconds) / 3600, 2)                                            as hours_on_call,
           round(sum(seconds) filter (where hour_window = 'business') / 3600, 2)  as business_hours,
           round(sum(seconds) filter (where hour_window = 'off_hours') / 3600, 2) as off_hours,
           round(sum(seconds) filter (where hour_window = 'sleep') / 3600, 2)     as sleep_hours,
           string_agg(distinct rotation, ', ' order by rotation)                  as rotations
    from quarters
    group by all
),
final as (
    select h.source, h.responder_id, coalesce(r.responder_name, h.responder_id) as responder_name, h.period_kind, h.period,
           h.rotations, h.hours_on_call, coalesce(h.business_hours, 0) as business_hours,
           coalesce(h.off_hours, 0) as off_hours, coalesce(h.sleep_hours, 0) as sleep_hours,
           coalesce(d.weekend_days, 0) as weekend_days, coalesce(d.holiday_days, 0) as holiday_days
    from hours h
    left join day_counts d using (source, responder_id, period_kind, period)
    left join stg_responders r using (source, responder_id)
)
select * from final
