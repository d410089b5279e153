-- grain: one row per calendar month (UTC) with at least one page
select
    date_trunc('month', paged_at)::date as month,
    count(*)                            as pages
from pages
group by all
order by month
