INSERT INTO tickets SELECT * FROM tickets_import;
CREATE INDEX tickets_status_idx ON tickets (status);
