-- grain: one row per incident that paged someone
with notified as (
    select
        source,
        incident_id,
        min(notified_at) filter (where is_interrupting) as first_interruption_at
    from stg_notifications
    group by all
),
final as (
    select
        i.source,
        i.incident_id,
        coalesce(n.first_interruption_at, i.created_at) as paged_at,
        n.incident_id is null                           as is_inferred
    from stg_incidents i
    left join notified n using (source, incident_id)
    where n.first_interruption_at is not null
       or (n.incident_id is null and (i.urgency = 'high' or i.priority in ('P1', 'P2')))
)
select * from final
