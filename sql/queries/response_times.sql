-- response_times(from_month, to_month, team, rotation)
-- grain: one row: MTTA over acknowledged incidents and MTTR over resolved ones (median,
-- p90, mean, in seconds) and escalations past the first level, timeout and manual apart
-- (METRICS.md, "Response and load"). Quantiles need every value of the period, so this
-- reads the incident level, narrowed to the period and owner first.
create or replace macro response_times(from_month, to_month, team, rotation) as table
select
    count(*)                                      as incidents,
    count(f.ack_seconds)                          as acknowledged,
    count(f.resolve_seconds)                      as resolved,
    quantile_cont(f.ack_seconds, 0.5)             as mtta_median_seconds,
    quantile_cont(f.ack_seconds, 0.9)             as mtta_p90_seconds,
    avg(f.ack_seconds)                            as mtta_mean_seconds,
    quantile_cont(f.resolve_seconds, 0.5)         as mttr_median_seconds,
    quantile_cont(f.resolve_seconds, 0.9)         as mttr_p90_seconds,
    avg(f.resolve_seconds)                        as mttr_mean_seconds,
    count(*) filter (where f.timeout_escalations > 0) as escalated_timeout,
    count(*) filter (where f.manual_escalations > 0)  as escalated_manual
from incident_facts f
where (from_month is null or f.month >= from_month)
  and (to_month is null or f.month <= to_month)
  and (team is null or f.team = team)
  and (rotation is null or f.rotation = rotation)
