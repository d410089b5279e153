-- oncall_escalations(month, rotation)
-- grain: one row per rotation (the given one, else every rotation) with a page in the
-- month that reached escalation level 2 or higher: escalations_monthly as it is, whom the
-- pages reached at level 2+ and whether the rotation's policy has more than two tiers.
create or replace macro oncall_escalations(month, rotation) as table
with escalated as (
    select * from escalations_monthly e
    where e.month = month and (rotation is null or e.rotation = rotation)
),
final as (
    select e.rotation, strftime(e.month, '%Y-%m') as month, e.escalated_pages, e.people_reached, e.tiers, e.more_than_two_tiers
    from escalated e
)
select * from final f
order by f.rotation
