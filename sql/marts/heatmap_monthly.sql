-- partition: month
-- partition reads: interruptions
-- grain: one row per owner (team and rotation) per month (reporting time zone) per local
-- weekday (ISO, 1 = Monday) and hour of the person interrupted, with interruptions in it.
with interrupted as (
    select * from interruptions
),
final as (
    select
        team,
        rotation,
        month,
        isodow(local_at) as weekday,
        hour(local_at)   as hour,
        count(*)         as interruptions
    from interrupted
    group by all
)
select * from final
