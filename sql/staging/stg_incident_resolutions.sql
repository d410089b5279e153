-- materialized: table
-- incremental: incident
-- grain: one row per Alertmanager episode stored as open that has ended all the same,
-- with when and how. The webhook stores an episode (fingerprint + startsAt) as open
-- until its resolve arrives, and some never do (docs/sources.md, "Resolves that never
-- come"). stg_incidents takes resolved_at and resolved_by from here for those rows;
-- deriving them at build time keeps the stored records as sent, and a late resend or
-- resolve corrects the result at the next build.
with episodes as (
    select
        i.source,
        i.incident_id,
        i.created_at,
        i.resolved_at,
        i.labels->'alertmanager'->>'fingerprint'                                 as fingerprint,
        try_cast(i.labels->'alertmanager'->>'stale_after_seconds' as bigint)     as stale_after_seconds
    from incidents i
    where i.labels->'alertmanager'->>'fingerprint' is not null
),
-- the last notification that carried the episode: a firing alert is re-sent every
-- repeat_interval, and each delivery replaces its raw record
last_seen as (
    select source, record_id as incident_id, fetched_at as last_seen_at
    from raw_records
    where kind = 'alert'
),
ordered as (
    select
        e.*,
        s.last_seen_at,
        lead(e.created_at) over (partition by e.source, e.fingerprint order by e.created_at) as next_started_at
    from episodes e
    left join last_seen s using (source, incident_id)
),
final as (
    select
        source,
        incident_id,
        -- A newer episode of the same alert started: this one ended before it, and its
        -- resolve fell in the same group interval as the new firing, which Alertmanager
        -- then never sends. Closed at the new start, resolved by auto (Alertmanager
        -- resolves by itself). METRICS.md's signals then read it as auto_resolved and
        -- unacknowledged (as every resolved Alertmanager incident: no one acknowledges
        -- through a webhook), transient when the next episode started within 5 minutes
        -- (it resolved before that), and flapping through the next episode (created
        -- within 60 minutes of it), which is what it is; its resolve time is an upper
        -- bound, so MTTR and engaged minutes may come out a group interval long.
        case when next_started_at is not null then next_started_at else last_seen_at end as resolved_at,
        -- Not re-sent for stale_after: it ended at some time after it was last seen, or
        -- a silence muted it and its resolve. Closed at the last sight of it, by
        -- unknown: no human was seen, so it reads as auto_resolved and unacknowledged,
        -- and as transient only when it was never seen again after its first minutes.
        case when next_started_at is not null then 'auto' else 'unknown' end            as resolved_by
    from ordered
    where resolved_at is null
      and (next_started_at is not null
           or last_seen_at + to_seconds(stale_after_seconds) < (select built_at from cfg_settings))
)
select * from final
