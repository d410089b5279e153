-- The normalised tables lose their primary keys. The writer merges a page or a file by
-- deleting the stored rows of the staged keys and inserting the staged rows (an anti-join
-- on the keys), which costs a scan of the key columns; keeping the keys' indexes made
-- every insert pay for an index update, and a bulk import of a million incidents spend
-- most of its time there (and double the file). Keys stay unique because every write
-- goes through ingest.Writer's merge.

create table raw_records_keyless (
    source      varchar   not null,
    kind        varchar   not null,  -- incident, log_entry, user, service, alert, ...
    record_id   varchar   not null,
    fetched_at  timestamp not null,
    payload     json      not null
);
insert into raw_records_keyless select * from raw_records;
drop table raw_records;
alter table raw_records_keyless rename to raw_records;

create table responders_keyless (
    source        varchar not null,
    responder_id  varchar not null,
    name          varchar not null,
    email         varchar not null,
    time_zone     varchar not null  -- IANA zone; '' when the source does not know it
);
insert into responders_keyless select * from responders;
drop table responders;
alter table responders_keyless rename to responders;

create table services_keyless (
    source      varchar not null,
    service_id  varchar not null,
    name        varchar not null,
    team        varchar not null,
    rotation    varchar not null  -- the on-call rotation that gets paged for this service
);
insert into services_keyless select * from services;
drop table services;
alter table services_keyless rename to services;

create table incidents_keyless (
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
    labels              json  -- source labels/details worth keeping (alertmanager labels, ...)
);
insert into incidents_keyless select * from incidents;
drop table incidents;
alter table incidents_keyless rename to incidents;

create table notifications_keyless (
    source        varchar   not null,
    incident_id   varchar   not null,
    responder_id  varchar   not null,
    channel       varchar   not null,  -- phone | sms | push | email | chat
    notified_at   timestamp not null
);
insert into notifications_keyless select * from notifications;
drop table notifications;
alter table notifications_keyless rename to notifications;

create table incident_events_keyless (
    source        varchar   not null,
    incident_id   varchar   not null,
    event_id      varchar   not null,
    kind          varchar   not null,  -- acknowledge | escalate_timeout | escalate_manual | runbook
    responder_id  varchar   not null,  -- '' when no person did it
    occurred_at   timestamp not null,
    detail        varchar   not null  -- the runbook link for kind runbook, else ''
);
insert into incident_events_keyless select * from incident_events;
drop table incident_events;
alter table incident_events_keyless rename to incident_events;

create table reviews_keyless (
    source       varchar not null,
    incident_id  varchar not null,
    tag          varchar not null,  -- no_action | action_taken
    note         varchar not null,
    reviewer     varchar not null,
    reviewed_at  timestamp
);
insert into reviews_keyless select * from reviews;
drop table reviews;
alter table reviews_keyless rename to reviews;
