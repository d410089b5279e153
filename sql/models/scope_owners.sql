-- grain: one row per scope of the goal (the organisation, each rotation, each team) per
-- owner (team and rotation) whose incidents count toward it. This is the incident x scope
-- bridge of every org/rotation/team fan-out: an incident counts toward the organisation,
-- its rotation and its team, so marts join their per-owner rows to it on (team, rotation)
-- instead of copying incidents three times.
with owners as (
    select distinct team, rotation from incident_facts
),
settings as (
    select * from cfg_settings
),
final as (
    select 'org' as scope_type, st.org_name as scope, o.team, o.rotation from owners o cross join settings st
    union all
    select 'rotation', o.rotation, o.team, o.rotation from owners o
    union all
    select 'team', o.team, o.team, o.rotation from owners o
)
select * from final
