alter default privileges in schema reports grant select on tables to bi_reader;
grant usage on schema reports to bi_reader;
grant select on all tables in schema reports to bi_reader;
