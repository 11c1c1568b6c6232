-- UNION (not UNION ALL) removes duplicates, as DISTINCT does.
CREATE TABLE students (email text, full_name text NOT NULL, PRIMARY KEY (email));
CREATE TABLE courses (code text, title text NOT NULL, teacher text NOT NULL, PRIMARY KEY (code));
CREATE TABLE enrolments (email text, code text, grade integer, PRIMARY KEY (email, code),
                         FOREIGN KEY (email) REFERENCES students, FOREIGN KEY (code) REFERENCES courses);
INSERT INTO students
SELECT student_email, student_name FROM enrolments_flat
UNION
SELECT student_email, student_name FROM enrolments_flat;
INSERT INTO courses
SELECT course_code, course_title, teacher FROM enrolments_flat
UNION
SELECT course_code, course_title, teacher FROM enrolments_flat;
INSERT INTO enrolments (email, code, grade)
SELECT student_email, course_code, grade FROM enrolments_flat ORDER BY 1, 2;
