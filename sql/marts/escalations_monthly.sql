-- partition: month
-- partition reads: incident_facts
-- grain: one row per rotation per month (of the page) with a page that reached escalation
-- level 2 or higher: escalated past the first level (by timeout or by hand), or
-- interrupting someone whose only shift then was at level 2 or higher (the managers'
-- tier). people_reached names whom those pages interrupted at level 2 or higher. A
-- rotation whose roster that month holds a level above 2 sends pages to more than two
-- tiers, and is flagged.
with pages as (
    select source, incident_id, rotation, month, timeout_escalations, manual_escalations
    from incident_facts
    where is_page
),
reached as (
    select i.source, i.incident_id, i.responder_id, min(sh.escalation_level) as level
    from interruptions i
    join stg_oncall_shifts sh
      on sh.source = i.source and sh.responder_id = i.responder_id
     and i.interrupted_at >= sh.starts_at and i.interrupted_at < sh.ends_at
    group by all
),
-- (the pages that escalated, or the rows that reached level 2, before the grouping:
-- grouping every page took 0.1 s at a million incidents, mostly for none)
escalated as (
    select p.*,
           list_sort(list_distinct(list(r.responder_id) filter (where r.level >= 2))) as high_tier_people
    from pages p
    left join reached r using (source, incident_id)
    where p.timeout_escalations + p.manual_escalations > 0 or r.level >= 2
    group by all
),
tiers as (
    select rotation, month, max(escalation_level) as tiers
    from oncall_quarters
    group by all
),
final as (
    select
        e.rotation, e.month,
        count(*)                                                        as escalated_pages,
        coalesce(string_agg(distinct coalesce(rs.responder_name, p.person), ', ' order by coalesce(rs.responder_name, p.person)), '') as people_reached,
        coalesce(any_value(t.tiers), 1)                                 as tiers,
        coalesce(any_value(t.tiers), 1) > 2                             as more_than_two_tiers
    from escalated e
    left join (select source, incident_id, unnest(high_tier_people) as person from escalated) p using (source, incident_id)
    left join stg_responders rs on rs.source = p.source and rs.responder_id = p.person
    left join tiers t on t.rotation = e.rotation and t.month = e.month
    group by e.rotation, e.month
)
select * from final
