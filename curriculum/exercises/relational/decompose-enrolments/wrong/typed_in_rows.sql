-- The rows typed in by hand: right for this school only.
CREATE TABLE students (email text PRIMARY KEY, full_name text NOT NULL);
CREATE TABLE courses (code text PRIMARY KEY, title text NOT NULL, teacher text NOT NULL);
CREATE TABLE enrolments (email text REFERENCES students, code text REFERENCES courses, grade integer,
                         PRIMARY KEY (email, code));
INSERT INTO students VALUES ('ana@example.com', 'Ana Silva'), ('bruno@example.com', 'Bruno Keller'),
                            ('chen@example.com', 'Chen Wei'), ('dora@example.com', 'Dora Marsh');
INSERT INTO courses VALUES ('ES101', 'Spanish for beginners', 'Lucia Moreno'),
                           ('DE201', 'German, intermediate', 'Jonas Becker'),
                           ('PT101', 'Portuguese basics', 'Lucia Moreno');
INSERT INTO enrolments VALUES ('ana@example.com', 'ES101', 17), ('ana@example.com', 'DE201', 14),
                              ('bruno@example.com', 'ES101', 12), ('chen@example.com', 'ES101', NULL),
                              ('chen@example.com', 'PT101', 19), ('dora@example.com', 'DE201', NULL);
