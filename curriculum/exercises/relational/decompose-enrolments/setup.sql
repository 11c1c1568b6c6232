CREATE TABLE enrolments_flat (
    student_email text    NOT NULL,
    student_name  text    NOT NULL,
    course_code   text    NOT NULL,
    course_title  text    NOT NULL,
    teacher       text    NOT NULL,
    grade         integer,            -- NULL while the course is running
    PRIMARY KEY (student_email, course_code)
);
INSERT INTO enrolments_flat VALUES
 ('ana@example.com',   'Ana Silva',    'ES101', 'Spanish for beginners', 'Lucia Moreno', 17),
 ('ana@example.com',   'Ana Silva',    'DE201', 'German, intermediate',  'Jonas Becker', 14),
 ('bruno@example.com', 'Bruno Keller', 'ES101', 'Spanish for beginners', 'Lucia Moreno', 12),
 ('chen@example.com',  'Chen Wei',     'ES101', 'Spanish for beginners', 'Lucia Moreno', NULL),
 ('chen@example.com',  'Chen Wei',     'PT101', 'Portuguese basics',     'Lucia Moreno', 19),
 ('dora@example.com',  'Dora Marsh',   'DE201', 'German, intermediate',  'Jonas Becker', NULL);
