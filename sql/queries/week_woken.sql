-- week_woken(week_start)
-- grain: one row per person woken in the ISO week that starts on week_start (METRICS.md,
-- "People woken": an interruption in sleep hours), with how many of the week's pages woke
-- them; most first. The week is the page's (incident_facts.week), as in review_week.
create or replace macro week_woken(week_start) as table
select
    i.responder_id,
    coalesce(r.responder_name, i.responder_id)  as responder_name,
    count(distinct (i.source, i.incident_id))   as pages_woken
from interruptions i
join incident_facts f using (source, incident_id)
left join stg_responders r on r.source = i.source and r.responder_id = i.responder_id
where f.is_page and f.week = week_start and i.hour_window = 'sleep'
group by all
order by pages_woken desc, responder_name, i.responder_id
