-- grain: one row per alert rule per month per scope with after-hours pages, ranked
-- (Pareto; between rules with as many pages, the noisier first: it is the likelier fix). in_smallest_set marks the fewest rules whose removal brings that month under
-- the scope's goal: taking rules in rank order, a rule is needed while the pages left
-- without the rules before it still reach the goal.
with facts as (
    select * from incident_facts where is_after_hours
),
settings as (
    select * from cfg_settings
),
scoped as (
    select 'org' as scope_type, st.org_name as scope, f.* from facts f cross join settings st
    union all
    select 'rotation', f.rotation, f.* from facts f
    union all
    select 'team', f.team, f.* from facts f
),
per_rule as (
    select s.scope_type, s.scope, s.month, s.rule_id, count(*) as after_hours_pages,
           any_value(m.noise_score) as noise_score
    from scoped s
    join rule_monthly m using (rule_id, month)
    group by all
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
