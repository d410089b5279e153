-- oncall_rest(month)
-- grain: one row per person with a rest breach in the month (of the sleep interruption):
-- rest_breaches_monthly as it is, the most breaches first. A breach is about a person's
-- night, whoever's alerts caused it, so it has no rotation.
create or replace macro oncall_rest(month) as table
with breaches as (
    select * from rest_breaches_monthly r
    where r.month = month
),
final as (
    select b.source, b.responder_id, b.responder_name, strftime(b.month, '%Y-%m') as month, b.breaches, b.first_breach_at
    from breaches b
)
select * from final f
order by f.breaches desc, f.responder_name, f.source, f.responder_id
