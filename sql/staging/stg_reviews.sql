-- incremental: incident
-- grain: one row per reviewed incident: its effective review. A tag from the review page
-- (review_tags) overrides an imported review of the same incident, since the page is the
-- newer word and the review meeting corrects what an import brought. This is a view
-- (staging), so the review page reads a new tag at once; the numbers count it from the
-- next build, which materialises incident_signals over it.
with imported as (
    select * from reviews
),
tagged as (
    select * from review_tags
),
final as (
    select
        source, incident_id, tag as review_tag, nullif(note, '') as review_note,
        nullif(reviewer, '') as reviewer, updated_at as reviewed_at,
        nullif(reason, '') as review_reason, nullif(owner, '') as review_owner,
        nullif(follow_up_url, '') as follow_up_url, version as review_version,
        'review_page' as review_origin
    from tagged
    union all
    select
        i.source, i.incident_id, i.tag, nullif(i.note, ''), nullif(i.reviewer, ''), i.reviewed_at,
        null, null, null, 0, 'import'
    from imported i
    anti join tagged t using (source, incident_id)
)
select * from final
