-- Run once by a superuser when the cluster is built (the grading lab creates the same roles itself).
CREATE ROLE payroll_owner NOLOGIN;
CREATE ROLE migrator LOGIN PASSWORD NULL IN ROLE payroll_owner;  -- password set with \password
CREATE ROLE app_rw LOGIN NOSUPERUSER NOBYPASSRLS;
CREATE ROLE app_report LOGIN NOSUPERUSER NOBYPASSRLS;
CREATE ROLE replicator LOGIN REPLICATION;
CREATE ROLE pgmon LOGIN IN ROLE pg_monitor;

ALTER ROLE app_rw SET statement_timeout = '30s';
ALTER ROLE app_rw SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE app_report SET statement_timeout = '5min';
ALTER ROLE app_report SET idle_in_transaction_session_timeout = '5min';
ALTER ROLE migrator SET lock_timeout = '5s';
ALTER ROLE pgmon SET statement_timeout = '10s';

CREATE SCHEMA payroll AUTHORIZATION payroll_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
