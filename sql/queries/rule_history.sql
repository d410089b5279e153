-- rule_history(rule, from_month, to_month)
-- grain: one row per month of the period in which the rule raised an incident
-- (rule_monthly).
create or replace macro rule_history(rule, from_month, to_month) as table
select month, incidents, pages, after_hours_pages, sleep_hours_pages, noise_score
from rule_monthly
where rule_id = rule
  and (from_month is null or month >= from_month)
  and (to_month is null or month <= to_month)
order by month
