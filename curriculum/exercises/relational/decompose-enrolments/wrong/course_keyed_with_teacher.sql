-- courses keyed by (code, teacher): a course can get a second teacher, the anomaly is back.
CREATE TABLE students (email text PRIMARY KEY, full_name text NOT NULL);
CREATE TABLE courses (code text, title text NOT NULL, teacher text, PRIMARY KEY (code, teacher));
CREATE TABLE enrolments (email text REFERENCES students, code text, grade integer, PRIMARY KEY (email, code));
INSERT INTO students SELECT DISTINCT student_email, student_name FROM enrolments_flat;
INSERT INTO courses SELECT DISTINCT course_code, course_title, teacher FROM enrolments_flat;
INSERT INTO enrolments SELECT student_email, course_code, grade FROM enrolments_flat;
