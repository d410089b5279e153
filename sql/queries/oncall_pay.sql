-- oncall_pay(month, rotation)
-- grain: one row per person with time on call or an after-hours page in the month (the
-- first of the month, in the reporting zone), for anyone paid under the rotation where
-- given: oncall_compensation's figures as they are, every part beside its rule. A person
-- is paid one sum over rotations, so the rotation narrows whom, not how much: the row is
-- still the person's whole month, and its rotations say under which cards it was paid.
create or replace macro oncall_pay(month, rotation) as table
with pay as (
    select * from oncall_compensation c
    where c.month = month
      and (rotation is null or list_contains(string_split(c.rotations, ', '), rotation))
),
final as (
    -- columns named like a parameter (month, rotation) are qualified: unqualified, the
    -- macro would read the parameter
    select p.source, p.responder_id, p.responder_name, strftime(p.month, '%Y-%m') as month, p.currency, p.rotations,
           p.hours_on_call, p.business_hours, p.off_hours, p.sleep_hours, p.weekend_days, p.holiday_days,
           p.after_hours_pages, p.hours_interrupted,
           p.weekly_shift_amount, coalesce(p.weekly_shift_rule, '') as weekly_shift_rule,
           p.weekend_day_amount, coalesce(p.weekend_day_rule, '') as weekend_day_rule,
           p.holiday_day_amount, coalesce(p.holiday_day_rule, '') as holiday_day_rule,
           p.after_hours_page_amount, coalesce(p.after_hours_page_rule, '') as after_hours_page_rule,
           p.hours_interrupted_amount, coalesce(p.hours_interrupted_rule, '') as hours_interrupted_rule,
           p.amount
    from pay p
)
select * from final f
order by f.rotations, f.responder_name, f.source, f.responder_id
