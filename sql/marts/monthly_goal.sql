-- grain: one row per month (reporting time zone) per scope: the organisation, each
-- rotation and each team. Every month between the first and last of the history is
-- present, so a quiet month shows as zero rather than missing.
with facts as (
    select * from incident_facts
),
settings as (
    select * from cfg_settings
),
months as (
    select unnest(generate_series(min(month), max(month), interval 1 month))::date as month
    from facts
),
scoped as (
    select 'org' as scope_type, st.org_name as scope, f.* from facts f cross join settings st
    union all
    select 'rotation', f.rotation, f.* from facts f
    union all
    select 'team', f.team, f.* from facts f
),
scopes as (
    select distinct scope_type, scope from scoped
),
counts as (
    select
        scope_type, scope, month,
        count(*) filter (where is_page)         as pages,
        count(*) filter (where is_after_hours)  as after_hours_pages,
        count(*) filter (where is_sleep_hours)  as sleep_hours_pages
    from scoped
    group by all
),
interrupted as (
    select
        i.month, i.responder_id, i.hour_window, f.rotation, f.team
    from interruptions i
    join facts f using (source, incident_id)
),
people_scoped as (
    select 'org' as scope_type, st.org_name as scope, i.* from interrupted i cross join settings st
    union all
    select 'rotation', i.rotation, i.* from interrupted i
    union all
    select 'team', i.team, i.* from interrupted i
),
people as (
    select
        scope_type, scope, month,
        count(distinct responder_id)                                                  as people_paged,
        count(distinct responder_id) filter (where hour_window in ('off_hours', 'sleep')) as people_paged_after_hours,
        count(distinct responder_id) filter (where hour_window = 'sleep')            as people_woken
    from people_scoped
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
