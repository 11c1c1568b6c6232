with recursive tree as (
    select category_id, parent_id, name::text as path, 1 as depth
    from categories where parent_id is null
    union
    select c.category_id, c.parent_id, format('%s > %s', t.path, c.name), t.depth + 1
    from categories c join tree t on c.parent_id = t.category_id
) search depth first by category_id set visit_order,
descendants as (
    select category_id as root_id, category_id from categories
    union all
    select d.root_id, c.category_id from descendants d join categories c on c.parent_id = d.category_id
)
select t.category_id, t.path, t.depth,
       sum(coalesce(p.units_sold, 0)) as units_in_subtree
from tree t
join descendants d on d.root_id = t.category_id
left join products p on p.category_id = d.category_id
group by t.category_id, t.path, t.depth
order by t.category_id
