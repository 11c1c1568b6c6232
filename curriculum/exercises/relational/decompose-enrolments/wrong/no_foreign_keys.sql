CREATE TABLE students (email text PRIMARY KEY, full_name text NOT NULL);
CREATE TABLE courses (code text PRIMARY KEY, title text NOT NULL, teacher text NOT NULL);
CREATE TABLE enrolments (email text NOT NULL, code text NOT NULL, grade integer, PRIMARY KEY (email, code));
INSERT INTO students SELECT DISTINCT student_email, student_name FROM enrolments_flat;
INSERT INTO courses SELECT DISTINCT course_code, course_title, teacher FROM enrolments_flat;
INSERT INTO enrolments SELECT student_email, course_code, grade FROM enrolments_flat;
