-- what_if(from_month, to_month, team, rotation, rule_ids, actions, delay_seconds)
-- grain: one row per month of the period for the organisation and the judged scope
-- (judged_scope): after-hours and sleep-hours pages before (monthly_goal) and after the
-- proposed changes (METRICS.md, "What-if"), given as three lists of one entry per rule,
-- each rule at most once:
--   remove: the rule's incidents disappear;
--   business_hours_only: its after-hours pages disappear (they become low urgency);
--   delay: its incidents resolved within delay_seconds disappear (a longer `for`).
-- Only the changed rules' incidents are read: after = before - what the changes remove.
create or replace macro what_if(from_month, to_month, team, rotation, rule_ids, actions, delay_seconds) as table
with changes as (
    select
        unnest(rule_ids::varchar[])      as rule_id,
        unnest(actions::varchar[])       as action,
        unnest(delay_seconds::bigint[])  as delay_seconds
),
removed as (
    select
        f.team, f.rotation, f.month,
        count(*) filter (where f.is_after_hours) as after_hours_pages,
        count(*) filter (where f.is_sleep_hours) as sleep_hours_pages
    from incident_facts f
    join changes c using (rule_id)
    where c.action = 'remove'
       or (c.action = 'business_hours_only' and f.is_after_hours)
       or (c.action = 'delay' and f.resolve_seconds is not null and f.resolve_seconds <= c.delay_seconds)
    group by all
),
removed_scoped as (
    select b.scope_type, b.scope, r.month,
           sum(r.after_hours_pages) as after_hours_pages, sum(r.sleep_hours_pages) as sleep_hours_pages
    from removed r
    join scope_owners b using (team, rotation)
    group by all
)
select
    g.month,
    g.scope_type,
    g.scope,
    g.goal,
    g.after_hours_pages,
    (g.after_hours_pages - coalesce(r.after_hours_pages, 0))::bigint as after_hours_pages_after,
    g.sleep_hours_pages,
    (g.sleep_hours_pages - coalesce(r.sleep_hours_pages, 0))::bigint as sleep_hours_pages_after,
    g.after_hours_pages - coalesce(r.after_hours_pages, 0) < g.goal  as met_after
from monthly_goal g
cross join judged_scope(team, rotation) j
left join removed_scoped r on r.scope_type = g.scope_type and r.scope = g.scope and r.month = g.month
where (from_month is null or g.month >= from_month)
  and (to_month is null or g.month <= to_month)
  and (g.scope_type = 'org' or (g.scope_type = j.scope_type and g.scope = j.scope))
order by case g.scope_type when 'org' then 0 else 1 end, g.month
