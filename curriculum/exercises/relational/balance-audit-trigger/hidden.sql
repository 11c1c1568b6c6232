-- Other balances: an account already at 0 (setting it to 0 changes nothing), a negative
-- balance, large amounts.
TRUNCATE accounts, balance_audit;
INSERT INTO accounts VALUES
 (1, 'Lena Gruber',  -20.00),
 (2, 'Ole Hansen',     1.00),
 (3, 'Kari Berg',      0.00),
 (4, 'Nils Dahl',  123456.78),
 (5, 'Aino Virtanen',  5.00),
 (6, 'Maria Silva',    0.00),
 (8, 'Pieter Jansen', 10.00);
