select schemaname, relname, indexrelname, index_bytes
from index_catalog
where (schemaname, indexrelname) not in (select schemaname, indexrelname from index_usage where idx_scan <> 0)
  and not indisprimary and not indisunique
order by 4 desc, 1, 3;
