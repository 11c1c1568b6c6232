CREATE TABLE students (email text PRIMARY KEY, full_name text NOT NULL);
CREATE TABLE courses (code text PRIMARY KEY, title text NOT NULL, teacher text NOT NULL);
CREATE TABLE enrolments (
    email text NOT NULL REFERENCES students (email),
    code  text NOT NULL REFERENCES courses (code),
    grade integer,
    PRIMARY KEY (email, code)
);
-- One statement: foreign keys are checked at its end, after all three inserts.
WITH s AS (
    INSERT INTO students SELECT DISTINCT student_email, student_name FROM enrolments_flat RETURNING email
), c AS (
    INSERT INTO courses SELECT DISTINCT course_code, course_title, teacher FROM enrolments_flat RETURNING code
)
INSERT INTO enrolments (email, code, grade)
SELECT student_email, course_code, grade FROM enrolments_flat;
