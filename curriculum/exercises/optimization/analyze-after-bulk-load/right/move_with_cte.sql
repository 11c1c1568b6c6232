-- Move the rows: the staging table is emptied in the same statement.
WITH moved AS (DELETE FROM tickets_import RETURNING *)
INSERT INTO tickets SELECT * FROM moved;
ANALYZE tickets;
