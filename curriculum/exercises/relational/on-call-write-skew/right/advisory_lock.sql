-- One advisory lock for "the rota": held until COMMIT.
SELECT pg_advisory_xact_lock(hashtext('support_rota'));
UPDATE support_rota AS r
SET on_call = false
WHERE r.engineer = :'engineer'
  AND EXISTS (SELECT 1 FROM support_rota o WHERE o.on_call AND o.engineer <> r.engineer);
