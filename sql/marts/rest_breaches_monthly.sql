-- partition: responder_id, month, with a month either side
-- partition reads: interruptions, with the month after
-- grain: one row per person per month (of the sleep interruption) with a rest breach: an
-- interruption in sleep hours followed, less than 11 hours later (the EU Working Time
-- Directive's daily rest), by an interruption for another incident, or by the start of
-- an on-call shift of theirs. breaches counts the sleep interruptions so followed;
-- first_breach_at is the earliest of them.
-- Both tests run over sorted rows instead of a join of each sleep interruption with the
-- person's later ones (a range join per person took 156 s at a million incidents):
-- another incident within the next 11 hours shows as more of the person's
-- interruptions in that window than of this incident's (counting them took 1.24 s at a
-- million incidents, the smallest and largest incident id in the window 1.48 s); the
-- next shift start comes from an ASOF join.
with marked as (
    select source, responder_id, incident_id, interrupted_at, month, hour_window,
           count(*) over (partition by source, responder_id order by interrupted_at
                          range between interval 1 microsecond following and interval 11 hours - interval 1 microsecond following)
         - count(*) over (partition by source, responder_id, incident_id order by interrupted_at
                          range between interval 1 microsecond following and interval 11 hours - interval 1 microsecond following)
               as later_other_interruptions
    from interruptions
),
woken as (
    select * from marked where hour_window = 'sleep'
),
next_shift as (
    select w.source, w.responder_id, w.incident_id, w.interrupted_at, w.month, s.starts_at as next_shift_at
    from woken w
    asof left join oncall_spans s
      on s.source = w.source and s.responder_id = w.responder_id and s.starts_at > w.interrupted_at
),
followed as (
    select source, responder_id, incident_id, interrupted_at, month from woken
    where later_other_interruptions > 0
    union
    select source, responder_id, incident_id, interrupted_at, month from next_shift
    where next_shift_at < interrupted_at + interval 11 hours
),
final as (
    select f.source, f.responder_id, coalesce(any_value(r.responder_name), f.responder_id) as responder_name,
           f.month, count(*) as breaches, min(f.interrupted_at) as first_breach_at
    from followed f
    left join stg_responders r using (source, responder_id)
    group by f.source, f.responder_id, f.month
)
select * from final
