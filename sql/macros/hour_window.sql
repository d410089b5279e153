-- hour_window: the METRICS.md hour window of a local wall-clock time, for one person's
-- settings (minutes after midnight; business_days a list such as '1,2,3,4,5', ISO
-- weekdays). Sleep wins over everything; business hours apply on business days that are
-- not holidays; everything else is off-hours. Windows may wrap past midnight.
create or replace macro in_daily_window(minute_of_day, start_minute, end_minute) as
    case when start_minute <= end_minute
         then minute_of_day >= start_minute and minute_of_day < end_minute
         else minute_of_day >= start_minute or minute_of_day < end_minute end;

create or replace macro hour_window(local_at, business_days, business_start, business_end,
                                    sleep_start, sleep_end, is_holiday) as
    case
        when in_daily_window(hour(local_at) * 60 + minute(local_at), sleep_start, sleep_end)
            then 'sleep'
        when not coalesce(is_holiday, false)
         and list_contains(string_split(business_days, ','), isodow(local_at)::varchar)
         and in_daily_window(hour(local_at) * 60 + minute(local_at), business_start, business_end)
            then 'business'
        else 'off_hours'
    end;
