-- partition: responder_id, month
-- partition reads: interruptions
-- grain: one row per person per alert rule per month (reporting time zone) in which the
-- rule interrupted them. People paged, paged after hours and woken are distinct counts,
-- which do not add up across months or scopes: a period or scope counts distinct
-- responder_id over these rows, far fewer than the interruptions they stand for.
with interrupted as (
    select i.*, f.rule_id
    from interruptions i
    join incident_facts f using (source, incident_id)
),
final as (
    select
        month,
        source,
        responder_id,
        rule_id,
        team,
        rotation,
        count(*)                                                   as interruptions,
        bool_or(hour_window in ('off_hours', 'sleep'))             as is_paged_after_hours,
        bool_or(hour_window = 'sleep')                             as is_woken
    from interrupted
    group by all
)
select * from final
