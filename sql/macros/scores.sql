-- The score formulas of METRICS.md, each written once: the marts (per month) and the
-- period queries (over many months) both call these.

-- share_pct: part as a percentage of whole, rounded to 0.1 (the noise signals' shares)
create or replace macro share_pct(part, whole) as
    round(100.0 * part / whole, 1);

-- noise_score (0-100) = noisy incidents / incidents x 100 (METRICS.md, "Noise")
create or replace macro noise_score(noisy, incidents) as
    share_pct(noisy, incidents);

-- impact_score = after-hours pages + sleep-hours pages: a sleep page counts twice
-- (METRICS.md, "After-hours impact")
create or replace macro impact_score(after_hours_pages, sleep_hours_pages) as
    after_hours_pages + sleep_hours_pages;

-- actionable_rate = incidents tagged action_taken / incidents tagged, to 0.001; null when
-- none were tagged (METRICS.md, "Noise")
create or replace macro actionable_rate(action_taken, tagged) as
    case when tagged > 0 then round(action_taken / tagged, 3) end;

-- coverage_pct: part as a percentage of whole, rounded half up to 0.1, null when whole is
-- 0 (runbook coverage's headline figures)
create or replace macro coverage_pct(part, whole) as
    case when whole > 0 then floor(1000 * part::double / whole + 0.5) / 10 end;

-- engaged_us: after-hours engaged time of one incident in microseconds (METRICS.md,
-- "After-hours impact"): first acknowledgement (else first interruption) to resolve,
-- capped at 4 hours, for after-hours pages only, else 0. Sums are taken over these
-- integers and divided once, so a month's or period's minutes do not depend on the
-- order in which rows are added (a floating-point sum does, and its rounding to 0.1
-- could flip on a tie).
create or replace macro engaged_us(is_after_hours, paged_at, acknowledged_at, resolved_at) as
    case when is_after_hours and resolved_at is not null
         then least(14400000000, greatest(0, epoch_us(resolved_at - coalesce(acknowledged_at, paged_at))))
         else 0 end;
