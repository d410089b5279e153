-- Alert rule definitions read from Prometheus rule files and PrometheusRule resources
-- (alertlens rules import). Re-importing a path replaces the rows of that path.
create table rule_definitions (
    path         varchar   not null,  -- the path given to rules import, absolute
    file         varchar   not null,
    group_name   varchar   not null,
    rule         varchar   not null,  -- the alert: name
    expr         varchar   not null,
    for_seconds  integer   not null,
    severity     varchar   not null,
    team         varchar   not null,
    labels       json,
    annotations  json,
    runbook_url  varchar   not null,
    summary      varchar   not null,
    imported_at  timestamp not null
);
