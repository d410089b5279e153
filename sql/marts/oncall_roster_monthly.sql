-- partition: month
-- partition reads: interruptions
-- grain: one row per rotation per month with anyone on call: the size of the group on
-- call beside the people the rotation paged, and fairness over the real roster: the
-- ratio of the most- to the median-paged person among everyone on call that month, a
-- person on call and never paged counting with 0 pages (METRICS.md's fairness is over
-- the people paged; rotation_fairness keeps that figure). The ratio is empty when the
-- median is 0: half the roster was never paged, and a ratio to nothing says nothing.
with roster as (
    select distinct source, responder_id, rotation, month from oncall_quarters
),
-- (the interruptions of the roster's people and months alone: a history with no
-- schedules has none to count, and counting them all took 0.2 s at a million incidents)
paged as (
    select source, responder_id, rotation, month, count(distinct incident_id) as pages
    from interruptions
    semi join roster using (source, responder_id, rotation, month)
    group by all
),
per_person as (
    select r.*, coalesce(p.pages, 0) as pages
    from roster r
    left join paged p using (source, responder_id, rotation, month)
),
paged_people as (
    select rotation, month, count(distinct source || '|' || responder_id) as people_paged
    from interruptions
    semi join (select distinct rotation, month from roster) using (rotation, month)
    group by all
),
final as (
    select
        p.rotation, p.month,
        count(*)                                          as people_on_call,
        coalesce(any_value(pp.people_paged), 0)           as people_paged,
        count(*) filter (where p.pages = 0)               as on_call_never_paged,
        max(p.pages)                                      as max_pages,
        median(p.pages)                                   as median_pages,
        case when median(p.pages) > 0 then round(max(p.pages) / median(p.pages), 2) end as fairness_ratio
    from per_person p
    left join paged_people pp using (rotation, month)
    group by p.rotation, p.month
)
select * from final
