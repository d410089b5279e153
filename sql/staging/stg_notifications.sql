-- grain: one row per notification (person, channel, time) per incident
select
    source,
    incident_id,
    responder_id,
    channel,
    notified_at,
    channel in ('phone', 'sms', 'push') as is_interrupting
from notifications
