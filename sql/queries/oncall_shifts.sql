-- oncall_shifts(from_month, to_month, rotation, source, responder_id)
-- grain: one row per real on-call shift (oncall_spans, merged per person) starting in the
-- period, held in the rotation where given (a merged shift may hold several) and of the
-- person where given: oncall_shift_load as it is, pages against the SRE reference of 2
-- per 12 hours scaled to the shift. Oldest first.
create or replace macro oncall_shifts(from_month, to_month, rotation, source, responder_id) as table
with shifts as (
    select * from oncall_shift_load s
    where (from_month is null or s.month >= from_month)
      and (to_month is null or s.month <= to_month)
      and (rotation is null or list_contains(string_split(s.rotations, ', '), rotation))
      and (source is null or s.source = source)
      and (responder_id is null or s.responder_id = responder_id)
),
final as (
    select s.source, s.responder_id, s.responder_name, s.rotations, s.starts_at, s.ends_at, s.hours,
           strftime(s.month, '%Y-%m') as month, s.pages, s.interruptions, s.reference_pages, s.pages_per_12h, s.over_reference
    from shifts s
)
select * from final f
order by f.starts_at, f.responder_name, f.source, f.responder_id
