CREATE TABLE students (email text PRIMARY KEY, full_name text NOT NULL);
CREATE TABLE courses (code text PRIMARY KEY, title text NOT NULL, teacher text NOT NULL);
CREATE TABLE enrolments (
    email text REFERENCES students,
    code  text REFERENCES courses,
    grade integer,
    PRIMARY KEY (email, code)
);
INSERT INTO students SELECT student_email, student_name FROM enrolments_flat GROUP BY 1, 2;
INSERT INTO courses SELECT course_code, course_title, teacher FROM enrolments_flat GROUP BY 1, 2, 3;
INSERT INTO enrolments SELECT student_email, course_code, grade FROM enrolments_flat;
