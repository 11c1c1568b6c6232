SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
UPDATE support_rota me
SET on_call = false
WHERE me.engineer = :'engineer'
  AND me.on_call
  AND EXISTS (SELECT FROM support_rota other WHERE other.on_call AND other.engineer <> :'engineer');
