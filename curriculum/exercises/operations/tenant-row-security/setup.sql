-- Parcelworks' customer portal: every tenant (a shipping customer) sees its own shipments.
-- The portal's login role exists already (roles are created by the platform).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'portal_app') THEN
        CREATE ROLE portal_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;

CREATE TABLE shipments (
    id        int PRIMARY KEY,
    tenant_id int NOT NULL,
    tracking  text NOT NULL UNIQUE,
    weight_kg numeric(7,2) NOT NULL CHECK (weight_kg > 0)
);
-- tenant 1: ids 1-120, tenant 2: 121-210, tenant 3: 211-270, tenant 4: 271-300
INSERT INTO shipments
SELECT g,
       CASE WHEN g <= 120 THEN 1 WHEN g <= 210 THEN 2 WHEN g <= 270 THEN 3 ELSE 4 END,
       'PW' || lpad(g::text, 6, '0'),
       round((0.5 + (g * 37 % 400) / 10.0)::numeric, 2)
FROM generate_series(1, 300) g;
