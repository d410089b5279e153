-- oncall_roster(from_month, to_month, rotation)
-- grain: one row per rotation per month with anyone on call, in the period (nil: no
-- bound) and for the rotation where given: oncall_roster_monthly as it is, people on call
-- beside people paged and fairness over the whole roster.
create or replace macro oncall_roster(from_month, to_month, rotation) as table
with roster as (
    select * from oncall_roster_monthly r
    where (from_month is null or r.month >= from_month)
      and (to_month is null or r.month <= to_month)
      and (rotation is null or r.rotation = rotation)
),
final as (
    select r.rotation, strftime(r.month, '%Y-%m') as month, r.people_on_call, r.people_paged, r.on_call_never_paged,
           r.max_pages, r.median_pages, r.fairness_ratio
    from roster r
)
select * from final f
order by f.month, f.rotation
