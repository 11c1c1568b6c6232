-- The morning after the base backup, on the primary; its WAL goes to the archive. Each statement commits on its own.
INSERT INTO appointments SELECT g, 1 + (g * 7) % 6000, timestamptz '2025-06-02 08:00+00' + g * interval '3 minutes', 'vaccination' FROM generate_series(3001, 3150) g;
INSERT INTO vaccinations SELECT g, 1 + (g * 13) % 6000, 'rabies', date '2025-06-02' FROM generate_series(2001, 2080) g;
-- The cleanup script, run against production instead of staging.
DROP TABLE cleanup_staging;
-- @sleep 1
INSERT INTO appointments SELECT g, 1 + (g * 7) % 6000, timestamptz '2025-06-02 12:00+00' + g * interval '3 minutes', 'follow-up' FROM generate_series(3151, 3200) g;
INSERT INTO vaccinations SELECT g, 1 + (g * 13) % 6000, 'distemper', date '2025-06-02' FROM generate_series(2081, 2100) g;
-- Its next line drops the live table, while the clinics keep booking around it.
-- @mark drop
DROP TABLE appointments;
INSERT INTO vaccinations SELECT g, 1 + (g * 13) % 6000, 'lepto', date '2025-06-02' FROM generate_series(2101, 2160) g;
INSERT INTO patients SELECT g, 1 + g % 140, 'Patient ' || g, 'cat' FROM generate_series(6001, 6010) g;
-- @sleep 0.3
-- @mark alert
UPDATE clinics SET name = name WHERE id = 1;
