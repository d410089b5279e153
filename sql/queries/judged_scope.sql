-- judged_scope(team, rotation)
-- grain: one row: the scope a path-to-goal or what-if question is asked for, the
-- rotation where given, else the team, else the organisation.
create or replace macro judged_scope(team, rotation) as table
select
    case when rotation is not null then 'rotation' when team is not null then 'team' else 'org' end as scope_type,
    coalesce(rotation, team, st.org_name)                                                           as scope
from cfg_settings st
