-- One table per determinant of the functional dependencies; each is filled with DISTINCT
-- so the repeated facts become single rows.
CREATE TABLE students (
    email     text PRIMARY KEY,
    full_name text NOT NULL
);
CREATE TABLE courses (
    code    text PRIMARY KEY,
    title   text NOT NULL,
    teacher text NOT NULL
);
CREATE TABLE enrolments (
    email text NOT NULL REFERENCES students (email),
    code  text NOT NULL REFERENCES courses (code),
    grade integer,
    PRIMARY KEY (email, code)
);

INSERT INTO students (email, full_name)
SELECT DISTINCT student_email, student_name FROM enrolments_flat;

INSERT INTO courses (code, title, teacher)
SELECT DISTINCT course_code, course_title, teacher FROM enrolments_flat;

INSERT INTO enrolments (email, code, grade)
SELECT student_email, course_code, grade FROM enrolments_flat;
