-- grain: one row per real on-call shift (oncall_spans): the pages and interruptions of
-- the person while on it, against the SRE book's reference of at most 2 incidents per
-- 12-hour shift, scaled to the shift's length (a week on call may hold 28). A shift is
-- placed in the reporting month it starts in.
with spans as (
    select * from oncall_spans
),
hit as (
    select s.span_id, count(*) as interruptions, count(distinct i.incident_id) as pages
    from spans s
    join interruptions i
      on i.source = s.source and i.responder_id = s.responder_id
     and i.interrupted_at >= s.starts_at and i.interrupted_at < s.ends_at
    group by all
),
final as (
    select
        s.source, s.responder_id, coalesce(r.responder_name, s.responder_id) as responder_name,
        s.span_id, s.rotations, s.starts_at, s.ends_at, round(s.hours, 2) as hours,
        date_trunc('month', s.starts_at + to_seconds(rz.utc_offset_seconds))::date as month,
        coalesce(h.pages, 0)                                     as pages,
        coalesce(h.interruptions, 0)                             as interruptions,
        round(s.hours / 12 * 2, 2)                               as reference_pages,
        round(coalesce(h.pages, 0) / (s.hours / 12), 2)          as pages_per_12h,
        coalesce(h.pages, 0) > s.hours / 12 * 2                  as over_reference
    from spans s
    left join hit h using (span_id)
    left join stg_responders r using (source, responder_id)
    join cfg_settings cs on true
    join tz_periods rz
      on rz.zone = cs.reporting_time_zone and s.starts_at >= rz.valid_from and s.starts_at < rz.valid_until
)
select * from final
