-- grain: one row per alerting rule found in imported rule files (alertlens rules import)
select
    path,
    file,
    group_name,
    rule            as rule_name,
    expr,
    for_seconds,
    labels,
    nullif(severity, '')    as severity,
    nullif(team, '')        as team,
    nullif(runbook_url, '') as runbook_url,
    nullif(summary, '')     as summary
from rule_definitions
