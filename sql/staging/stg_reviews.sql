-- grain: one row per reviewed incident
select
    source,
    incident_id,
    tag         as review_tag,
    nullif(note, '')     as review_note,
    nullif(reviewer, '') as reviewer,
    reviewed_at
from reviews
