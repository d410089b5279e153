-- grain: one row per month (reporting time zone) per scope: the organisation, each
-- rotation and each team. Every month between the first and last of the history is
-- present, so a quiet month shows as zero rather than missing. Counts add up from
-- owner_monthly through the scope_owners bridge; people are distinct over people_monthly.
with owners as (
    select * from owner_monthly
),
bridge as (
    select * from scope_owners
),
months as (
    select unnest(generate_series(min(month), max(month), interval 1 month))::date as month
    from owners
),
scopes as (
    select distinct scope_type, scope from bridge
),
counts as (
    select
        b.scope_type, b.scope, o.month,
        sum(o.pages)::bigint             as pages,
        sum(o.after_hours_pages)::bigint as after_hours_pages,
        sum(o.sleep_hours_pages)::bigint as sleep_hours_pages
    from owners o
    join bridge b using (team, rotation)
    group by all
),
-- each person once per scope and month first: three distinct counts over the
-- person-by-owner rows took most of this model's time
scope_people as (
    select
        b.scope_type, b.scope, p.month, p.responder_id,
        bool_or(p.is_paged_after_hours) as is_paged_after_hours,
        bool_or(p.is_woken)             as is_woken
    from people_monthly p
    join bridge b using (team, rotation)
    where p.responder_id is not null
    group by all
),
people as (
    select
        scope_type, scope, month,
        count(*)                                    as people_paged,
        count(*) filter (where is_paged_after_hours) as people_paged_after_hours,
        count(*) filter (where is_woken)            as people_woken
    from scope_people
    group by all
),
goals as (
    select
        s.scope_type, s.scope,
        coalesce(g.goal, d.goal) as goal
    from scopes s
    left join cfg_goals g
      on g.scope_type = s.scope_type and (g.scope = s.scope or s.scope_type = 'org')
    cross join (select goal from cfg_goals where scope_type = 'default') d
),
final as (
    select
        m.month,
        s.scope_type,
        s.scope,
        coalesce(c.pages, 0)                     as pages,
        coalesce(c.after_hours_pages, 0)         as after_hours_pages,
        coalesce(c.sleep_hours_pages, 0)         as sleep_hours_pages,
        g.goal,
        coalesce(c.after_hours_pages, 0) < g.goal as met,
        case when count(*) over w3 = 3
             then avg(coalesce(c.after_hours_pages, 0)) over w3 end as trailing_3m_avg,
        coalesce(p.people_paged, 0)              as people_paged,
        coalesce(p.people_paged_after_hours, 0)  as people_paged_after_hours,
        coalesce(p.people_woken, 0)              as people_woken
    from scopes s
    cross join months m
    join goals g using (scope_type, scope)
    left join counts c using (scope_type, scope, month)
    left join people p using (scope_type, scope, month)
    window w3 as (partition by s.scope_type, s.scope order by m.month rows between 2 preceding and current row)
)
select * from final
order by scope_type, scope, month
