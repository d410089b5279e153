-- fairness_months(from_month, to_month, rotation)
-- grain: one row per rotation per month of the period (rotation_fairness), for the one
-- rotation where given.
create or replace macro fairness_months(from_month, to_month, rotation) as table
select f.month, f.rotation, f.people, f.max_interruptions, f.median_interruptions, f.ratio, f.most_loaded
from rotation_fairness f
where (from_month is null or f.month >= from_month)
  and (to_month is null or f.month <= to_month)
  and (rotation is null or f.rotation = rotation)
order by f.rotation, f.month
