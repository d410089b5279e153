-- overview()
-- grain: one row: what the database holds, the choices a filter can make: the reporting
-- zone and metric version of the last build, the first and last month, the latest page
-- (else creation) instant in UTC, the incidents, and the teams and rotations that own
-- rules.
create or replace macro overview() as table
select
    st.reporting_time_zone,
    st.metrics_version,
    st.built_at,
    (select min(month) from owner_monthly)             as first_month,
    (select max(month) from owner_monthly)             as last_month,
    (select max(last_at) from owner_monthly)           as as_of,
    (select coalesce(sum(incidents), 0)::bigint from owner_monthly) as incidents,
    (select coalesce(list(distinct team order by team), []) from alert_rules)         as teams,
    (select coalesce(list(distinct rotation order by rotation), []) from alert_rules) as rotations
from cfg_settings st
