-- materialized: temp
-- incremental: incident
-- context: rule_id 24 hours
-- grain: one row per incident with its noise signals (METRICS.md, "Noise"), its review
-- and its runbook (METRICS.md, "Runbook coverage"). An incident's flapping depends on
-- its rule's incidents created up to 24 hours before it or at the same instant: the
-- context line tells an incremental build which others to read and to recompute.
with incidents as (
    select * from incident_owners
),
settings as (
    select * from cfg_settings
),
signals as (
    select
        i.source,
        i.incident_id,
        -- the incident's own link, else a pattern's or its rule definition's (stg_incident_runbooks)
        i.runbook_url                                                                         as found_runbook_url,
        i.resolved_at is not null and i.acknowledged_at is null
            and coalesce(i.resolved_by, 'auto') <> 'human'                                    as is_auto_resolved,
        i.resolved_at is not null
            and i.resolved_at - i.created_at <= to_seconds(s.transient_seconds)               as is_transient,
        -- flapping: another of the rule's incidents in the 60 minutes up to this one's
        -- creation, or 3 or more in the 24 hours up to it, this one counted, and
        -- incidents created at the same instant counted too. In the rule's incidents
        -- in creation order that is: the one before is within 60 minutes, or the next
        -- has the same time; or the one two before is within 24 hours, or the one
        -- before is and the next has the same time, or the next two have it. Row
        -- offsets (lag, lead) over one sort cost far less than two counting windows
        -- over time ranges, which were half the build at a million incidents.
        coalesce(lag(i.created_at) over w >= i.created_at - interval 60 minutes, false)
        or coalesce(lead(i.created_at) over w = i.created_at, false)
        or coalesce(lag(i.created_at, 2) over w >= i.created_at - interval 24 hours, false)
        or coalesce(lag(i.created_at) over w >= i.created_at - interval 24 hours
                    and lead(i.created_at) over w = i.created_at, false)
        or coalesce(lead(i.created_at, 2) over w = i.created_at, false)                      as is_flapping,
        i.resolved_at is not null and i.acknowledged_at is null                               as is_unacknowledged,
        rv.review_tag
    from incidents i
    cross join settings s
    left join stg_reviews rv using (source, incident_id)
    window w as (partition by i.rule_id order by i.created_at)
),
final as (
    select
        source,
        incident_id,
        found_runbook_url                 as runbook_url,
        found_runbook_url is not null     as has_runbook,
        is_auto_resolved,
        is_transient,
        is_flapping,
        is_unacknowledged,
        review_tag,
        review_tag = 'no_action'          as is_no_action,
        case
            when review_tag = 'no_action' then true
            when review_tag = 'action_taken' then false
            else is_auto_resolved or is_transient or is_flapping
        end                               as is_noisy
    from signals
)
select * from final
