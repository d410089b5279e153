-- runbook_coverage(from_month, to_month, team, rotation)
-- grain: one row: runbook coverage's headline figures over the period (METRICS.md,
-- "Runbook coverage"): pages and after-hours pages with a runbook (owner_monthly), and
-- rules defined in rule files with one (a team filter applies to those; a rotation does
-- not, as a rule file names no rotation).
create or replace macro runbook_coverage(from_month, to_month, team, rotation) as table
with pages as (
    select
        coalesce(sum(pages), 0)::bigint                          as pages,
        coalesce(sum(pages_with_runbook), 0)::bigint             as pages_with_runbook,
        coalesce(sum(after_hours_pages), 0)::bigint              as after_hours_pages,
        coalesce(sum(after_hours_pages_with_runbook), 0)::bigint as after_hours_pages_with_runbook
    from owner_monthly
    where (from_month is null or month >= from_month)
      and (to_month is null or month <= to_month)
      and (team is null or owner_monthly.team = team)
      and (rotation is null or owner_monthly.rotation = rotation)
),
defined as (
    select count(*) as defined_rules, count(*) filter (where runbook_url is not null) as defined_rules_with_runbook
    from stg_rule_definitions d
    where team is null or d.team = team
)
select
    p.pages,
    p.pages_with_runbook,
    coverage_pct(p.pages_with_runbook, p.pages)                          as pages_with_runbook_pct,
    p.after_hours_pages,
    p.after_hours_pages_with_runbook,
    coverage_pct(p.after_hours_pages_with_runbook, p.after_hours_pages)  as after_hours_pages_with_runbook_pct,
    d.defined_rules,
    d.defined_rules_with_runbook,
    coverage_pct(d.defined_rules_with_runbook, d.defined_rules)          as defined_rules_with_runbook_pct
from pages p
cross join defined d
