-- grain: one row per incident, with its rule, owner, page status and hour window, its
-- noise signals, runbook and response times: everything the marts aggregate.
with incidents as (
    select * from stg_incidents
),
settings as (
    select * from cfg_settings
),
org as (
    select * from cfg_scopes where scope_type = 'org'
),
first_interruption as (
    select
        source, incident_id, responder_id as first_responder_id, interrupted_at as first_interrupted_at,
        hour_window as interrupted_window, time_zone as interrupted_zone, local_at as interrupted_local_at
    from interruptions
    qualify row_number() over (partition by source, incident_id order by interrupted_at, responder_id) = 1
),
people as (
    select source, incident_id, count(distinct responder_id) as people_interrupted
    from interruptions
    group by all
),
notified as (
    select distinct source, incident_id from stg_notifications
),
owned as (
    select
        i.*,
        r.rule_id,
        r.rule_name,
        r.rule_kind,
        coalesce(s.service_name, i.service_id)       as service_name,
        coalesce(s.team, 'unassigned')               as team,
        coalesce(s.rotation, 'default')              as rotation,
        n.incident_id is not null                    as has_notifications
    from incidents i
    join incident_rules r using (source, incident_id)
    left join service_dim s using (source, service_id)
    left join notified n using (source, incident_id)
),
-- An incident without any notification record is a page when its urgency is high (or
-- its priority P1-P2), judged in the rotation's zone, else the organisation's.
inferred as (
    select
        o.source,
        o.incident_id,
        o.created_at + to_seconds(z.utc_offset_seconds) as local_at,
        coalesce(ro.time_zone, org.time_zone)           as time_zone,
        hour_window(o.created_at + to_seconds(z.utc_offset_seconds),
                    coalesce(ro.business_days, org.business_days),
                    coalesce(ro.business_start_minute, org.business_start_minute),
                    coalesce(ro.business_end_minute, org.business_end_minute),
                    coalesce(ro.sleep_start_minute, org.sleep_start_minute),
                    coalesce(ro.sleep_end_minute, org.sleep_end_minute),
                    h.holiday_date is not null)       as hour_window
    from owned o
    left join cfg_scopes ro on ro.scope_type = 'rotation' and ro.scope = o.rotation
    cross join org
    join tz_periods z
      on z.zone = coalesce(ro.time_zone, org.time_zone)
     and o.created_at >= z.valid_from and o.created_at < z.valid_until
    left join cfg_holidays h
      on h.holiday_key = coalesce(ro.holiday_key, org.holiday_key)
     and h.holiday_date = (o.created_at + to_seconds(z.utc_offset_seconds))::date
    where not o.has_notifications
      and (o.urgency = 'high' or o.priority in ('P1', 'P2'))
),
paged as (
    select
        o.*,
        f.first_responder_id,
        coalesce(p.people_interrupted, 0)                        as people_interrupted,
        f.first_interrupted_at is not null or inf.incident_id is not null as is_page,
        inf.incident_id is not null                              as is_inferred,
        coalesce(f.first_interrupted_at, case when inf.incident_id is not null then o.created_at end) as paged_at,
        coalesce(f.interrupted_window, inf.hour_window)          as page_window,
        coalesce(f.interrupted_zone, inf.time_zone)              as page_time_zone,
        coalesce(f.interrupted_local_at, inf.local_at)           as page_local_at
    from owned o
    left join first_interruption f using (source, incident_id)
    left join people p using (source, incident_id)
    left join inferred inf using (source, incident_id)
),
runbook_patterns as (
    select string_agg(pattern, '|') as pattern from cfg_runbook_patterns
),
-- a rule defined in code with a runbook gives every incident of that rule one
defined_runbooks as (
    select rule_name, min(runbook_url) as runbook_url
    from stg_rule_definitions
    where runbook_url is not null
    group by all
),
signals as (
    select
        p.*,
        coalesce(p.runbook_url, case when rp.pattern is not null
            then nullif(regexp_extract(coalesce(p.labels::varchar, ''), '(' || rp.pattern || ')'), '') end,
            d.runbook_url)                                                                    as found_runbook_url,
        p.resolved_at is not null and p.acknowledged_at is null
            and coalesce(p.resolved_by, 'auto') <> 'human'                                    as is_auto_resolved,
        p.resolved_at is not null
            and p.resolved_at - p.created_at <= to_seconds(s.transient_seconds)               as is_transient,
        count(*) over (partition by p.rule_id order by p.created_at
                       range between interval 60 minutes preceding and current row) >= 2
        or count(*) over (partition by p.rule_id order by p.created_at
                       range between interval 24 hours preceding and current row) >= 3      as is_flapping,
        p.resolved_at is not null and p.acknowledged_at is null                               as is_unacknowledged,
        rv.review_tag
    from paged p
    cross join settings s
    cross join runbook_patterns rp
    left join stg_reviews rv using (source, incident_id)
    left join defined_runbooks d on d.rule_name = p.source_rule
),
final as (
    select
        s.source,
        s.incident_id,
        s.rule_id,
        s.rule_name,
        s.rule_kind,
        s.service_id,
        s.service_name,
        s.team,
        s.rotation,
        s.title,
        s.urgency,
        s.priority,
        s.created_at,
        s.acknowledged_at,
        s.resolved_at,
        s.resolved_by,
        s.is_page,
        s.is_inferred,
        s.paged_at,
        s.first_responder_id,
        s.people_interrupted,
        case when s.is_page then s.page_window end                      as page_window,
        s.page_time_zone,
        s.page_local_at,
        s.is_page and s.page_window in ('off_hours', 'sleep')          as is_after_hours,
        s.is_page and s.page_window = 'sleep'                          as is_sleep_hours,
        date_trunc('month', coalesce(s.paged_at, s.created_at) + to_seconds(rz.utc_offset_seconds))::date as month,
        -- ISO week (starting Monday) in the reporting time zone
        date_trunc('week', coalesce(s.paged_at, s.created_at) + to_seconds(rz.utc_offset_seconds))::date as week,
        coalesce(s.paged_at, s.created_at) + to_seconds(rz.utc_offset_seconds) as reporting_at,
        s.found_runbook_url                                             as runbook_url,
        s.found_runbook_url is not null                                 as has_runbook,
        s.is_auto_resolved,
        s.is_transient,
        s.is_flapping,
        s.is_unacknowledged,
        s.review_tag,
        s.review_tag = 'no_action'                                      as is_no_action,
        case
            when s.review_tag = 'no_action' then true
            when s.review_tag = 'action_taken' then false
            else s.is_auto_resolved or s.is_transient or s.is_flapping
        end                                                             as is_noisy,
        s.timeout_escalations,
        s.manual_escalations,
        epoch(s.acknowledged_at - s.created_at)                         as ack_seconds,
        epoch(s.resolved_at - s.created_at)                             as resolve_seconds,
        -- after-hours engaged minutes: first acknowledgement (else first interruption) to
        -- resolve, capped at 4 hours, for after-hours pages only
        case when s.is_page and s.page_window in ('off_hours', 'sleep') and s.resolved_at is not null
             then least(240, greatest(0, epoch(s.resolved_at - coalesce(s.acknowledged_at, s.paged_at)) / 60.0))
             else 0 end                                                 as engaged_minutes
    from signals s
    cross join settings st
    join tz_periods rz
      on rz.zone = st.reporting_time_zone
     and coalesce(s.paged_at, s.created_at) >= rz.valid_from
     and coalesce(s.paged_at, s.created_at) < rz.valid_until
)
select * from final
