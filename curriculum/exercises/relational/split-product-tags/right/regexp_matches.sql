-- Match the tags instead of splitting on the commas: runs of characters other than commas,
-- with the spaces around them left out.
create table product_tags (
  sku text not null references products on delete cascade,
  tag text not null,
  primary key (sku, tag)
);
insert into product_tags (sku, tag)
select distinct p.sku, btrim(m[1])
from products p
cross join lateral regexp_matches(p.tags, '([^,]+)', 'g') as m
where btrim(m[1]) <> '';
alter table products drop column tags;
