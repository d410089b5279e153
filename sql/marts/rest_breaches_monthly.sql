-- grain: one row per person per month (of the sleep interruption) with a rest breach: an
-- interruption in sleep hours followed, less than 11 hours later (the EU Working Time
-- Directive's daily rest), by an interruption for another incident, or by the start of
-- an on-call shift of theirs. breaches counts the sleep interruptions so followed;
-- first_breach_at is the earliest of them.
with woken as (
    select source, responder_id, incident_id, interrupted_at, month
    from interruptions
    where hour_window = 'sleep'
),
followed as (
    select w.*
    from woken w
    where exists (select 1 from interruptions i
                  where i.source = w.source and i.responder_id = w.responder_id and i.incident_id <> w.incident_id
                    and i.interrupted_at > w.interrupted_at and i.interrupted_at < w.interrupted_at + interval 11 hours)
       or exists (select 1 from oncall_spans s
                  where s.source = w.source and s.responder_id = w.responder_id
                    and s.starts_at > w.interrupted_at and s.starts_at < w.interrupted_at + interval 11 hours)
),
final as (
    select f.source, f.responder_id, coalesce(any_value(r.responder_name), f.responder_id) as responder_name,
           f.month, count(*) as breaches, min(f.interrupted_at) as first_breach_at
    from followed f
    left join stg_responders r using (source, responder_id)
    group by f.source, f.responder_id, f.month
)
select * from final
