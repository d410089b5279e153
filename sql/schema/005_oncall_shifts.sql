-- Who was on call: one row per shift a source reports (a PagerDuty on-call entry, an
-- Opsgenie final-timeline period, an imported oncall_shift record). Shifts of one person
-- may overlap (two schedules, two levels); the models merge them so that no hour counts
-- twice. Keyless like the other normalised tables: ingest.Writer merges by anti-join on
-- (source, shift_id).
create table oncall_shifts (
    source            varchar   not null,
    shift_id          varchar   not null,  -- the source's id, else one derived from its fields
    responder_id      varchar   not null,
    rotation          varchar   not null,  -- the rotation paged (escalation policy, Opsgenie team or schedule)
    escalation_level  integer   not null,  -- 1 is the first tier
    starts_at         timestamp not null,
    ends_at           timestamp not null   -- after starts_at
);
