-- partition: rule_id, month
-- partition reads: incident_facts, people_monthly
-- grain: one row per alert rule per month (reporting time zone) in which it raised an
-- incident. Counts add up across months; people woken does not, so queries over a
-- period count it from people_monthly.
with facts as (
    select * from incident_facts
),
woken as (
    select rule_id, month, count(distinct responder_id) filter (where is_woken) as people_woken
    from people_monthly
    group by all
),
counts as (
    select
        rule_id,
        month,
        count(*)                                           as incidents,
        count(*) filter (where is_page)                    as pages,
        count(*) filter (where is_after_hours)             as after_hours_pages,
        count(*) filter (where is_sleep_hours)             as sleep_hours_pages,
        count(*) filter (where is_noisy)                   as noisy,
        count(*) filter (where is_auto_resolved)           as auto_resolved,
        count(*) filter (where is_transient)               as transient,
        count(*) filter (where is_flapping)                as flapping,
        count(*) filter (where is_unacknowledged)          as unacknowledged,
        count(*) filter (where is_no_action)               as no_action,
        count(*) filter (where review_tag = 'action_taken') as action_taken,
        count(*) filter (where review_tag is not null)     as tagged,
        round(sum(engaged_us(is_after_hours, paged_at, acknowledged_at, resolved_at)) / 60e6, 1) as engaged_minutes
    from facts
    group by all
),
final as (
    select
        c.*,
        coalesce(w.people_woken, 0)                            as people_woken,
        impact_score(c.after_hours_pages, c.sleep_hours_pages) as impact_score,
        noise_score(c.noisy, c.incidents)                      as noise_score
    from counts c
    left join woken w using (rule_id, month)
)
select * from final
