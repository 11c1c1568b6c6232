-- A table lock that conflicts with itself: requests run one after the other.
LOCK TABLE support_rota IN SHARE ROW EXCLUSIVE MODE;
UPDATE support_rota SET on_call = false
WHERE engineer = :'engineer'
  AND (SELECT count(*) FROM support_rota WHERE on_call) > 1;
