-- grain: one row per real on-call shift: a stretch a person is on call without a break,
-- however many shifts (rotations, levels, schedules) they hold at once. Overlapping and
-- touching shifts of one person merge, so no hour is counted twice (incident.io's rule:
-- no double pay for overlapping shifts); a handover to oneself is one stretch.
with shifts as (
    select * from stg_oncall_shifts
),
ordered as (
    select *,
           max(ends_at) over (partition by source, responder_id order by starts_at, ends_at
                              rows between unbounded preceding and 1 preceding) as reached
    from shifts
),
islands as (
    select *,
           sum(case when reached >= starts_at then 0 else 1 end)
               over (partition by source, responder_id order by starts_at, ends_at) as island
    from ordered
),
final as (
    select
        source,
        responder_id,
        source || '|' || responder_id || '|' || strftime(min(starts_at), '%Y-%m-%dT%H:%M:%SZ') as span_id,
        min(starts_at)                                        as starts_at,
        max(ends_at)                                          as ends_at,
        round(epoch(max(ends_at) - min(starts_at)) / 3600, 4) as hours,
        string_agg(distinct rotation, ', ' order by rotation) as rotations,
        min(escalation_level)                                 as escalation_level
    from islands
    group by source, responder_id, island
)
select * from final
