-- materialized: temp
-- incremental: incident
-- grain: one row per incident: whether it is a page (METRICS.md, "Page"), when, and the
-- hour window it was judged in, and the instant and month it is reported in. A page's
-- time is its first interruption; an incident without any notification record is an
-- inferred page at its creation when its urgency is high (or its priority P1-P2), judged
-- in its rotation's zone. Incidents that are not pages are reported at their creation.
--
-- Every join here is of one row per incident (or page) on the incident's key, and DuckDB
-- builds them side by side: each reads only the columns it needs, and the first
-- interruption comes from local_times with its reporting instant, instead of a join of
-- local_times again to find it. At three million incidents in a 450 MB memory limit
-- (about what ten million have in the default 1.5 GB) the model then builds on two threads in
-- 11.5 s, where with whole rows and that join it ran out of memory.
with incidents as (
    select source, incident_id, urgency, priority, created_at from incident_owners
),
-- a window, not an aggregate: the least struct of (at, person, ...) per incident in
-- a hash aggregate was 0.2-0.5 s faster at a million incidents, but its states hold
-- their strings outside DuckDB's memory limit, and at ten million incidents the
-- build's peak rose from 2.4 to 3.2 GB in this model. arg_min over structs of text,
-- the people counted in the same aggregate, ran out of memory in a 450 MB limit at
-- three million.
first_interruption as (
    select
        source, incident_id, responder_id as first_responder_id, "at" as first_interrupted_at,
        hour_window as interrupted_window, time_zone as interrupted_zone, local_at as interrupted_local_at,
        reporting_at as interrupted_reporting_at, month as interrupted_month
    from local_times
    where responder_id <> ''
    qualify row_number() over (partition by source, incident_id order by "at", responder_id) = 1
),
people as (
    select source, incident_id, count(distinct responder_id) as people_interrupted
    from interruptions
    group by all
),
created as (
    select source, incident_id, hour_window, time_zone, local_at, reporting_at, month from local_times where responder_id = ''
),
-- no notification record at all (an email is one), and urgent. An anti join: DuckDB
-- turned the same test written as "not exists" into a delim join, which took 0.7 s
-- at a million incidents for no rows.
inferred as (
    select i.source, i.incident_id
    from incidents i
    anti join stg_notifications n using (source, incident_id)
    where i.urgency = 'high' or i.priority in ('P1', 'P2')
),
paged as (
    select
        c.source,
        c.incident_id,
        f.first_responder_id,
        coalesce(p.people_interrupted, 0)                                    as people_interrupted,
        f.first_interrupted_at is not null or inf.incident_id is not null    as is_page,
        inf.incident_id is not null                                          as is_inferred,
        coalesce(f.first_interrupted_at, case when inf.incident_id is not null then i.created_at end) as paged_at,
        coalesce(f.interrupted_window, case when inf.incident_id is not null then c.hour_window end) as page_window,
        coalesce(f.interrupted_zone, case when inf.incident_id is not null then c.time_zone end) as page_time_zone,
        coalesce(f.interrupted_local_at, case when inf.incident_id is not null then c.local_at end) as page_local_at,
        coalesce(f.interrupted_reporting_at, c.reporting_at) as reporting_at,
        coalesce(f.interrupted_month, c.month) as month
    from incidents i
    join created c using (source, incident_id)
    left join first_interruption f using (source, incident_id)
    left join people p using (source, incident_id)
    left join inferred inf using (source, incident_id)
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
    from paged
)
select * from final
