-- grain: one row per rotation per month: the ratio of the most- to the median-loaded
-- person, by interruptions, among the people the rotation interrupted that month.
with per_person as (
    select i.month, f.rotation, i.source, i.responder_id, count(*) as interruptions
    from interruptions i
    join incident_facts f using (source, incident_id)
    group by all
),
final as (
    select
        p.month,
        p.rotation,
        count(*)                                            as people,
        max(p.interruptions)                                as max_interruptions,
        median(p.interruptions)                             as median_interruptions,
        case when median(p.interruptions) > 0
             then round(max(p.interruptions) / median(p.interruptions), 2) end as ratio,
        coalesce(arg_max(r.responder_name, p.interruptions), arg_max(p.responder_id, p.interruptions)) as most_loaded
    from per_person p
    left join stg_responders r using (source, responder_id)
    group by all
)
select * from final
order by rotation, month
