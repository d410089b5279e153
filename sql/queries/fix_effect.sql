-- fix_effect(rule, as_of_day)
-- grain: one row per shipped follow-up (rule_follow_ups) of the rule (null: every rule),
-- shipped on or before as_of_day: the rule's after-hours pages, pages, incidents and noise
-- score (METRICS.md, "Noise") in the 28 days before the ship date against the 28 days
-- after it. Days are dates in the reporting time zone (reporting_at). The ship day itself
-- is in neither window: a fix that shipped at 15:00 did not act on that morning's pages.
-- The after window stops at as_of_day, so a fix shipped less than 4 weeks ago shows how
-- many of its 28 days have passed (days_after) instead of a drop that is only time.
create or replace macro fix_effect(rule, as_of_day) as table
with shipped as (
    select follow_up_id, rule_id, ticket_url, change, shipped_on, created_by
    from rule_follow_ups
    where shipped_on is not null and shipped_on <= as_of_day
      and (rule is null or rule_id = rule)
),
windows as (
    select
        s.*,
        s.shipped_on - 28                                   as before_from,
        s.shipped_on                                        as before_until, -- exclusive
        s.shipped_on + 1                                    as after_from,
        least(s.shipped_on + 29, as_of_day::date + 1)       as after_until   -- exclusive
    from shipped s
),
counted as (
    select
        w.follow_up_id,
        count(f.incident_id) filter (where f.reporting_at::date >= w.before_from and f.reporting_at::date < w.before_until) as incidents_before,
        count(f.incident_id) filter (where f.reporting_at::date >= w.before_from and f.reporting_at::date < w.before_until and f.is_page) as pages_before,
        count(f.incident_id) filter (where f.reporting_at::date >= w.before_from and f.reporting_at::date < w.before_until and f.is_after_hours) as after_hours_pages_before,
        count(f.incident_id) filter (where f.reporting_at::date >= w.before_from and f.reporting_at::date < w.before_until and f.is_noisy) as noisy_before,
        count(f.incident_id) filter (where f.reporting_at::date >= w.after_from and f.reporting_at::date < w.after_until) as incidents_after,
        count(f.incident_id) filter (where f.reporting_at::date >= w.after_from and f.reporting_at::date < w.after_until and f.is_page) as pages_after,
        count(f.incident_id) filter (where f.reporting_at::date >= w.after_from and f.reporting_at::date < w.after_until and f.is_after_hours) as after_hours_pages_after,
        count(f.incident_id) filter (where f.reporting_at::date >= w.after_from and f.reporting_at::date < w.after_until and f.is_noisy) as noisy_after
    from windows w
    left join incident_facts f on f.rule_id = w.rule_id
    group by all
),
final as (
    select
        w.follow_up_id, w.rule_id, coalesce(a.rule_name, w.rule_id) as rule_name, w.ticket_url, w.change,
        w.shipped_on, w.created_by,
        greatest(0, w.after_until - w.after_from)::integer               as days_after,
        c.after_hours_pages_before, c.after_hours_pages_after,
        c.pages_before, c.pages_after,
        c.incidents_before, c.incidents_after,
        case when c.incidents_before > 0 then noise_score(c.noisy_before, c.incidents_before) end as noise_score_before,
        case when c.incidents_after > 0 then noise_score(c.noisy_after, c.incidents_after) end   as noise_score_after,
        c.after_hours_pages_after - c.after_hours_pages_before            as after_hours_pages_change,
        c.after_hours_pages_after < c.after_hours_pages_before            as after_hours_pages_dropped
    from windows w
    join counted c using (follow_up_id)
    left join alert_rules a on a.rule_id = w.rule_id
)
select * from final
order by shipped_on desc, rule_name, follow_up_id
