-- grain: one row per rotation per month: the ratio of the most- to the median-loaded
-- person, by interruptions, among the people the rotation interrupted that month.
-- Between people as loaded as each other, most_loaded names the first by name (then id),
-- so that the answer does not depend on the order rows are read in.
with counted as (
    select month, rotation, source, responder_id, count(*) as interruptions
    from interruptions
    group by all
),
per_person as (
    select
        c.*,
        {'interruptions': c.interruptions,
         'name_order': -row_number() over (partition by c.month, c.rotation
                                           order by coalesce(r.responder_name, c.responder_id), c.source, c.responder_id)} as load_key
    from counted c
    left join stg_responders r using (source, responder_id)
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
        coalesce(arg_max(r.responder_name, p.load_key), arg_max(p.responder_id, p.load_key)) as most_loaded
    from per_person p
    left join stg_responders r using (source, responder_id)
    group by all
)
select * from final
order by rotation, month
