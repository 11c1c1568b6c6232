\set tenant random_zipfian(1, 4000, 1.1)
\set prio random(1, 4)
INSERT INTO tickets (tenant_id, subject, status, priority) VALUES (:tenant, 'bench ticket', 'open', :prio);
