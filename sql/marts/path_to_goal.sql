-- grain: one row per alert rule per month per scope with after-hours pages, ranked
-- (Pareto; between rules with as many pages, the noisier first: it is the likelier fix).
-- in_smallest_set marks the fewest rules whose removal brings that month under the
-- scope's goal: taking rules in rank order, a rule is needed while the pages left
-- without the rules before it still reach the goal.
with per_rule as (
    select b.scope_type, b.scope, m.month, m.rule_id, m.after_hours_pages, m.noise_score
    from rule_monthly m
    join alert_rules r using (rule_id)
    join scope_owners b using (team, rotation)
    where m.after_hours_pages > 0
),
ranked as (
    select
        p.*,
        row_number() over w as rank,
        sum(after_hours_pages) over (w rows between unbounded preceding and current row) as cumulative_pages,
        sum(after_hours_pages) over (partition by scope_type, scope, month) as total_pages
    from per_rule p
    window w as (partition by scope_type, scope, month order by after_hours_pages desc, noise_score desc, rule_id)
),
final as (
    select
        r.month,
        r.scope_type,
        r.scope,
        r.rank,
        r.rule_id,
        r.after_hours_pages,
        r.cumulative_pages,
        round(100.0 * r.cumulative_pages / r.total_pages, 1)                       as cumulative_pct,
        r.total_pages,
        g.goal,
        r.total_pages - (r.cumulative_pages - r.after_hours_pages) >= g.goal      as in_smallest_set
    from ranked r
    join monthly_goal g using (month, scope_type, scope)
)
select * from final
order by scope_type, scope, month, rank
