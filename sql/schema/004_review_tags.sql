-- The weekly review's tags, kept apart from everything a source, an import or a build
-- writes: nothing but a reviewer changes them, and every change is kept.

-- The current tag of each reviewed incident. version counts its changes, so that a
-- reviewer who saw an older version is told what changed instead of overwriting it.
create table review_tags (
    source         varchar   not null,
    incident_id    varchar   not null,
    tag            varchar   not null,  -- action_taken | no_action
    reason         varchar   not null,  -- one of ingest/review's reasons, or ''
    note           varchar   not null,
    owner          varchar   not null,
    follow_up_url  varchar   not null,
    reviewer       varchar   not null,  -- who set this version
    updated_at     timestamp not null,
    version        integer   not null,
    primary key (source, incident_id)
);

-- Every change of a tag: who, when, and the values before and after (JSON objects of
-- the fields above; old is null for a first tag).
create table review_tag_history (
    source       varchar   not null,
    incident_id  varchar   not null,
    version      integer   not null,
    changed_at   timestamp not null,
    changed_by   varchar   not null,
    old_value    json,
    new_value    json      not null,
    primary key (source, incident_id, version)
);

-- What a team changed about a rule to make it page less, and when it shipped: the rule
-- page and the weekly report compare the weeks before and after.
create table rule_follow_ups (
    follow_up_id  varchar   not null primary key,
    rule_id       varchar   not null,
    ticket_url    varchar   not null,
    change        varchar   not null,
    shipped_on    date,                 -- null while not shipped
    created_by    varchar   not null,
    created_at    timestamp not null
);
