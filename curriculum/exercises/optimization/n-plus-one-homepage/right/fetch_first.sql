select p.id as post_id, p.title, a.name as author
from authors a
inner join posts p on p.author_id = a.id
order by p.created_at desc, p.id desc
fetch first 20 rows only;
