-- The store: a raw layer that keeps every fetched record as it came, and the normalised
-- tables that the models read. Every timestamp is a TIMESTAMP holding UTC.
-- Records are keyed by (source, id): `source` names one configured connection
-- (pagerduty, opsgenie, alertmanager, file, demo, ...), so several can live side by side.

create table raw_records (
    source      varchar   not null,
    kind        varchar   not null,  -- incident, log_entry, user, service, alert, ...
    record_id   varchar   not null,
    fetched_at  timestamp not null,
    payload     json      not null,
    primary key (source, kind, record_id)
);

create table responders (
    source        varchar not null,
    responder_id  varchar not null,
    name          varchar not null,
    email         varchar not null,
    time_zone     varchar not null,  -- IANA zone; '' when the source does not know it
    primary key (source, responder_id)
);

create table services (
    source      varchar not null,
    service_id  varchar not null,
    name        varchar not null,
    team        varchar not null,
    rotation    varchar not null,  -- the on-call rotation that gets paged for this service
    primary key (source, service_id)
);

create table incidents (
    source              varchar   not null,
    incident_id         varchar   not null,
    service_id          varchar   not null,
    title               varchar   not null,
    urgency             varchar   not null,  -- high | low
    priority            varchar   not null,  -- P1..P5 or ''
    created_at          timestamp not null,
    acknowledged_at     timestamp,
    resolved_at         timestamp,
    resolved_by         varchar   not null,  -- human | auto | ''
    rule                varchar   not null,  -- explicit rule name from the source, or ''
    runbook_url         varchar   not null,
    escalations         integer   not null,  -- escalations past the first level by timeout
    manual_escalations  integer   not null,  -- escalations past the first level by hand
    labels              json,  -- source labels/details worth keeping (alertmanager labels, ...)
    primary key (source, incident_id)
);

-- One message to one person on one channel at one time.
create table notifications (
    source        varchar   not null,
    incident_id   varchar   not null,
    responder_id  varchar   not null,
    channel       varchar   not null,  -- phone | sms | push | email | chat
    notified_at   timestamp not null,
    primary key (source, incident_id, responder_id, channel, notified_at)
);

-- Events that a source reports apart from the incident record (PagerDuty log entries,
-- Opsgenie alert logs). A source reports acknowledgement and escalations either on the
-- incident or as events, not both. A runbook event carries a runbook link found in a
-- record other than the incident (a PagerDuty trigger log entry's details).
create table incident_events (
    source        varchar   not null,
    incident_id   varchar   not null,
    event_id      varchar   not null,
    kind          varchar   not null,  -- acknowledge | escalate_timeout | escalate_manual | runbook
    responder_id  varchar   not null,  -- '' when no person did it
    occurred_at   timestamp not null,
    detail        varchar   not null,  -- the runbook link for kind runbook, else ''
    primary key (source, incident_id, event_id)
);

create table reviews (
    source       varchar not null,
    incident_id  varchar not null,
    tag          varchar not null,  -- no_action | action_taken
    note         varchar not null,
    reviewer     varchar not null,
    reviewed_at  timestamp,
    primary key (source, incident_id)
);

-- Where each incremental sync stopped.
create table sync_state (
    source      varchar   not null,
    stream      varchar   not null,
    cursor      varchar   not null,
    updated_at  timestamp not null,
    primary key (source, stream)
);
