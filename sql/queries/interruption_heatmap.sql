-- interruption_heatmap(from_month, to_month, team, rotation)
-- grain: one row per local weekday (ISO, 1 = Monday) and hour (0-23) of the person
-- interrupted, all 168 present, with the period's interruptions in it (heatmap_monthly,
-- which adds up across owners and months).
create or replace macro interruption_heatmap(from_month, to_month, team, rotation) as table
with cells as (
    select d.weekday, h.hour
    from (select unnest(range(1, 8)) as weekday) d
    cross join (select unnest(range(0, 24)) as hour) h
),
counts as (
    select m.weekday, m.hour, sum(m.interruptions) as interruptions
    from heatmap_monthly m
    where (from_month is null or m.month >= from_month)
      and (to_month is null or m.month <= to_month)
      and (team is null or m.team = team)
      and (rotation is null or m.rotation = rotation)
    group by all
)
select c.weekday, c.hour, coalesce(n.interruptions, 0)::bigint as interruptions
from cells c
left join counts n using (weekday, hour)
order by c.weekday, c.hour
