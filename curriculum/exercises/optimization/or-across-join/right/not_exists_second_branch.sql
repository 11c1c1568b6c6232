select p.id, p.title
from posts p join authors a on a.id = p.author_id
where a.email = 'author7@example.com'
union all
select p.id, p.title
from posts p
where p.slug = 'post-123'
  and not exists (select 1 from authors a where a.id = p.author_id and a.email = 'author7@example.com')
order by id;
