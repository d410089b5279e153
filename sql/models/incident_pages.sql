-- materialized: temp
-- incremental: incident
-- grain: one row per incident: whether it is a page (METRICS.md, "Page"), when, and the
-- hour window it was judged in, and the instant and month it is reported in. A page's
-- time is its first interruption; an incident without any notification record is an
-- inferred page at its creation when its urgency is high (or its priority P1-P2), judged
-- in its rotation's zone. Incidents that are not pages are reported at their creation.
with incidents as (
    select * from incident_owners
),
-- a window: arg_min over a struct of text in a hash aggregate was faster at a million
-- incidents (1.6 s against 2.1 s for the model), but is not known to fit ten million in
-- DuckDB's 1.5 GB, which this window does
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
created as (
    select * from local_times where responder_id = ''
),
inferred as (
    select c.*
    from incidents i
    join created c using (source, incident_id)
    left join notified n using (source, incident_id)
    where n.incident_id is null
      and (i.urgency = 'high' or i.priority in ('P1', 'P2'))
),
paged as (
    select
        i.source,
        i.incident_id,
        f.first_responder_id,
        coalesce(p.people_interrupted, 0)                                    as people_interrupted,
        f.first_interrupted_at is not null or inf.incident_id is not null    as is_page,
        inf.incident_id is not null                                          as is_inferred,
        coalesce(f.first_interrupted_at, case when inf.incident_id is not null then i.created_at end) as paged_at,
        coalesce(f.interrupted_window, inf.hour_window)                      as page_window,
        coalesce(f.interrupted_zone, inf.time_zone)                          as page_time_zone,
        coalesce(f.interrupted_local_at, inf.local_at)                       as page_local_at
    from incidents i
    left join first_interruption f using (source, incident_id)
    left join people p using (source, incident_id)
    left join inferred inf using (source, incident_id)
),
-- the page (else creation) instant in the reporting zone: the first interruption's
-- moment, else the creation's
reported as (
    select
        p.*,
        coalesce(r.reporting_at, c.reporting_at) as reporting_at,
        coalesce(r.month, c.month)               as month
    from paged p
    join created c using (source, incident_id)
    left join local_times r
      on r.source = p.source and r.incident_id = p.incident_id
     and r.responder_id = p.first_responder_id and r.at = p.paged_at
),
final as (
    select
        source,
        incident_id,
        is_page,
        is_inferred,
        paged_at,
        first_responder_id,
        people_interrupted,
        case when is_page then page_window end          as page_window,
        page_time_zone,
        page_local_at,
        is_page and page_window in ('off_hours', 'sleep') as is_after_hours,
        is_page and page_window = 'sleep'                 as is_sleep_hours,
        reporting_at,
        month
    from reported
)
select * from final
