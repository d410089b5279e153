-- monthly_report(from_month, to_month)
-- grain: one row per scope (the organisation, each team, each rotation) per month of the
-- period (monthly_goal's months): leadership's monthly report. Pages, after-hours and
-- sleep-hours pages, the goal and people come from monthly_goal; MTTA and MTTR are the
-- medians over the scope's incidents of the month (METRICS.md, "Response and load"), in
-- minutes to 0.1; runbook coverage is the share of pages with a runbook (coverage_pct);
-- the actionable rate is over the incidents tagged (actionable_rate). Rounded here, once,
-- so every export and page shows the same figure a person reads.
create or replace macro monthly_report(from_month, to_month) as table
with goal as (
    select * from monthly_goal
    where month >= from_month and month <= to_month
),
response as (
    select
        b.scope_type, b.scope, f.month,
        round(quantile_cont(f.ack_seconds, 0.5) / 60, 1)                  as mtta_median_minutes,
        round(quantile_cont(f.resolve_seconds, 0.5) / 60, 1)              as mttr_median_minutes,
        count(*) filter (where f.review_tag = 'action_taken')             as action_taken,
        count(*) filter (where f.review_tag is not null)                  as tagged
    from incident_facts f
    join scope_owners b using (team, rotation)
    where f.month >= from_month and f.month <= to_month
    group by all
),
runbooks as (
    select
        b.scope_type, b.scope, o.month,
        sum(o.pages_with_runbook)::bigint             as pages_with_runbook,
        sum(o.after_hours_pages_with_runbook)::bigint as after_hours_pages_with_runbook
    from owner_monthly o
    join scope_owners b using (team, rotation)
    where o.month >= from_month and o.month <= to_month
    group by all
),
final as (
    select
        g.month, g.scope_type, g.scope, g.pages, g.after_hours_pages, g.sleep_hours_pages,
        g.goal, g.met, g.people_paged, g.people_paged_after_hours, g.people_woken,
        r.mtta_median_minutes, r.mttr_median_minutes,
        coverage_pct(coalesce(rb.pages_with_runbook, 0), g.pages)                         as pages_with_runbook_pct,
        coverage_pct(coalesce(rb.after_hours_pages_with_runbook, 0), g.after_hours_pages) as after_hours_pages_with_runbook_pct,
        coalesce(r.tagged, 0)                                                             as tagged,
        actionable_rate(coalesce(r.action_taken, 0), coalesce(r.tagged, 0))               as actionable_rate
    from goal g
    left join response r using (scope_type, scope, month)
    left join runbooks rb using (scope_type, scope, month)
)
select * from final
order by case scope_type when 'org' then 0 when 'team' then 1 else 2 end, scope, month
