-- grain: one row per person on call per ISO week (Monday first, cut in the reporting zone): hours on call split
-- by hour window in the person's zone, weekend and holiday days on call (see
-- models/oncall_hours.sql, which counts them for weeks and months alike).
select source, responder_id, responder_name, period as week, rotations, hours_on_call, business_hours,
       off_hours, sleep_hours, weekend_days, holiday_days
from oncall_hours
where period_kind = 'week'
