-- incremental: incident
-- grain: one row per notification (person, channel, time) per incident. A notification
-- of a PagerDuty incident that was merged into another belongs to that one: the person
-- was interrupted, for the trouble the other incident now stands for (stg_incidents
-- drops the merged one). One merge deep: the notifications of an incident merged into
-- one that was merged in turn are lost with that one.
with merged as (
    select source, incident_id, labels->'pagerduty'->>'merged_into' as merged_into
    from incidents
    where labels->'pagerduty'->>'merged_into' is not null
)
select
    n.source,
    coalesce(m.merged_into, n.incident_id) as incident_id,
    n.responder_id,
    n.channel,
    n.notified_at,
    n.channel in ('phone', 'sms', 'push') as is_interrupting
from notifications n
left join merged m using (source, incident_id)
