CREATE TABLE students (email text PRIMARY KEY, full_name text NOT NULL);
CREATE TABLE courses (code text PRIMARY KEY, title text NOT NULL, teacher text NOT NULL);
CREATE TABLE enrolments (email text REFERENCES students, code text REFERENCES courses, grade integer,
                         PRIMARY KEY (email, code));
INSERT INTO students
SELECT DISTINCT ON (student_email) student_email, student_name
FROM enrolments_flat ORDER BY student_email;
INSERT INTO courses
SELECT DISTINCT ON (course_code) course_code, course_title, teacher
FROM enrolments_flat ORDER BY course_code;
-- the enrolments go through the new tables, so they can only name stored students and courses
INSERT INTO enrolments
SELECT s.email, c.code, f.grade
FROM enrolments_flat f
JOIN students s ON s.email = f.student_email
JOIN courses c ON c.code = f.course_code;
