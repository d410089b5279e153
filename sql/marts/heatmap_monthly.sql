-- grain: one row per owner (team and rotation) per month (reporting time zone) per local
-- weekday (ISO, 1 = Monday) and hour of the person interrupted, with interruptions in it.
with interrupted as (
    select i.*, f.team
    from interruptions i
    join incident_owners f using (source, incident_id)
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
