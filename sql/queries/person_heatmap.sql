-- person_heatmap(from_month, to_month, person_source, person_id)
-- grain: one row per local weekday (ISO, 1 = Monday) and hour (0-23) of one person, all
-- 168 present, with the period's interruptions of that person in it (the interruptions
-- model: one row per interruption, as heatmap_monthly counts them).
create or replace macro person_heatmap(from_month, to_month, person_source, person_id) as table
with cells as (
    select d.weekday, h.hour
    from (select unnest(range(1, 8)) as weekday) d
    cross join (select unnest(range(0, 24)) as hour) h
),
counts as (
    select isodow(local_at) as weekday, hour(local_at) as hour, count(*) as interruptions
    from interruptions
    where source = person_source and responder_id = person_id
      and (from_month is null or month >= from_month)
      and (to_month is null or month <= to_month)
    group by all
)
select c.weekday, c.hour, coalesce(n.interruptions, 0)::bigint as interruptions
from cells c
left join counts n using (weekday, hour)
order by c.weekday, c.hour
