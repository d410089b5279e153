-- grain: one row per on-call shift a source reported (PagerDuty on-call entry, Opsgenie
-- final-timeline period, imported oncall_shift); shifts of one person may overlap
select
    source,
    shift_id,
    responder_id,
    rotation,
    escalation_level,
    starts_at,
    ends_at
from oncall_shifts
where ends_at > starts_at
