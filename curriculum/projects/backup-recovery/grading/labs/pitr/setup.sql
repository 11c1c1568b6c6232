-- Lindqvist Vet's records before the night's base backup.
CREATE TABLE clinics (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE patients (id int PRIMARY KEY, clinic_id int NOT NULL REFERENCES clinics, name text NOT NULL, species text NOT NULL);
CREATE TABLE appointments (id int PRIMARY KEY, patient_id int NOT NULL REFERENCES patients, starts_at timestamptz NOT NULL, reason text NOT NULL);
CREATE TABLE vaccinations (id int PRIMARY KEY, patient_id int NOT NULL REFERENCES patients, vaccine text NOT NULL, given_on date NOT NULL);
CREATE TABLE cleanup_staging (id int PRIMARY KEY, note text);
INSERT INTO clinics SELECT g, 'Clinic ' || g FROM generate_series(1, 140) g;
INSERT INTO patients SELECT g, 1 + g % 140, 'Patient ' || g, (ARRAY['dog','cat','rabbit','horse'])[1 + g % 4] FROM generate_series(1, 6000) g;
INSERT INTO appointments SELECT g, 1 + (g * 7) % 6000, timestamptz '2025-05-01 08:00+00' + g * interval '11 minutes', 'check-up' FROM generate_series(1, 3000) g;
INSERT INTO vaccinations SELECT g, 1 + (g * 13) % 6000, (ARRAY['rabies','distemper','lepto'])[1 + g % 3], date '2025-01-01' + g % 120 FROM generate_series(1, 2000) g;
INSERT INTO cleanup_staging SELECT g, 'old import ' || g FROM generate_series(1, 50) g;
