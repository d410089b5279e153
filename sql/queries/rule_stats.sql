-- rule_stats(from_month, to_month, team, rotation, rule)
-- grain: one row per alert rule with an incident in the period (and owned by the team or
-- rotation, and the one rule, where given; null means any): noise, after-hours impact
-- and runbook, ranked by impact score, then incidents. Counts add up over rule_monthly;
-- people woken is a distinct count over people_monthly.
create or replace macro rule_stats(from_month, to_month, team, rotation, rule) as table
with period as (
    select m.*
    from rule_monthly m
    join alert_rules r using (rule_id)
    where (from_month is null or m.month >= from_month)
      and (to_month is null or m.month <= to_month)
      and (team is null or r.team = team)
      and (rotation is null or r.rotation = rotation)
      and (rule is null or m.rule_id = rule)
),
woken as (
    select p.rule_id, count(distinct p.responder_id) as people_woken
    from people_monthly p
    where p.is_woken
      and (from_month is null or p.month >= from_month)
      and (to_month is null or p.month <= to_month)
      and (team is null or p.team = team)
      and (rotation is null or p.rotation = rotation)
      and (rule is null or p.rule_id = rule)
    group by all
),
totals as (
    select
        rule_id,
        sum(incidents)::bigint                                  as incidents,
        sum(pages)::bigint                                      as pages,
        sum(after_hours_pages)::bigint                          as after_hours_pages,
        sum(sleep_hours_pages)::bigint                          as sleep_hours_pages,
        -- each month's minutes are rounded to 0.1: a decimal sum of them is exact
        sum(engaged_minutes::decimal(18, 1))::double            as engaged_minutes,
        sum(noisy) as noisy, sum(auto_resolved) as auto_resolved, sum(transient) as transient,
        sum(flapping) as flapping, sum(unacknowledged) as unacknowledged, sum(no_action) as no_action,
        sum(action_taken) as action_taken, sum(tagged) as tagged
    from period
    group by all
),
final as (
    select
        r.rule_id,
        r.rule_name,
        r.service_name,
        r.team,
        r.rotation,
        t.incidents,
        t.pages,
        t.after_hours_pages,
        t.sleep_hours_pages,
        coalesce(w.people_woken, 0)                              as people_woken,
        impact_score(t.after_hours_pages, t.sleep_hours_pages)  as impact_score,
        t.engaged_minutes,
        noise_score(t.noisy, t.incidents)                        as noise_score,
        share_pct(t.auto_resolved, t.incidents)                  as auto_resolved_pct,
        share_pct(t.transient, t.incidents)                      as transient_pct,
        share_pct(t.flapping, t.incidents)                       as flapping_pct,
        share_pct(t.unacknowledged, t.incidents)                 as unacknowledged_pct,
        share_pct(t.no_action, t.incidents)                      as no_action_pct,
        actionable_rate(t.action_taken, t.tagged)                as actionable_rate,
        r.has_runbook,
        coalesce(r.runbook_url, '')                              as runbook_url,
        r.defined
    from totals t
    join alert_rules r using (rule_id)
    left join woken w using (rule_id)
)
select * from final
order by impact_score desc, incidents desc, rule_id
