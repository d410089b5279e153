-- person_pages(from_month, to_month, person_source, person_id, max_rows)
-- grain: one row per page of the period on which the person was interrupted, newest
-- first, at most max_rows (null: all). Unlike page_list, which names the first person
-- interrupted, the time, zone and window are the person's own first interruption: the
-- person page is about what their nights looked like.
create or replace macro person_pages(from_month, to_month, person_source, person_id, max_rows) as table
with theirs as (
    select source, incident_id, min(interrupted_at) as first_at
    from interruptions
    where source = person_source and responder_id = person_id
      and (from_month is null or month >= from_month)
      and (to_month is null or month <= to_month)
    group by all
),
final as (
    select
        f.source, f.incident_id, t.first_at as paged_at, i.month, f.rule_id, f.rule_name, f.title,
        f.service_name, f.team, f.rotation, i.responder_id,
        coalesce(r.responder_name, i.responder_id) as responder_name,
        coalesce(i.time_zone, '') as time_zone, i.local_at, i.hour_window,
        i.hour_window in ('off_hours', 'sleep') as is_after_hours, i.hour_window = 'sleep' as is_sleep_hours,
        f.is_inferred, f.people_interrupted, f.has_runbook, f.is_noisy
    from theirs t
    join interruptions i
      on i.source = t.source and i.incident_id = t.incident_id
     and i.responder_id = person_id and i.interrupted_at = t.first_at
    join incident_facts f on f.source = t.source and f.incident_id = t.incident_id
    left join stg_responders r on r.source = i.source and r.responder_id = i.responder_id
    qualify row_number() over (partition by t.source, t.incident_id order by i.local_at) = 1
)
select * from final
order by paged_at desc, incident_id
limit max_rows
