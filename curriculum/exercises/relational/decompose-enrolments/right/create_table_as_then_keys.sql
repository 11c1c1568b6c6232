-- Build the tables from queries, then declare the keys.
CREATE TABLE students AS
    SELECT DISTINCT student_email AS email, student_name AS full_name FROM enrolments_flat;
CREATE TABLE courses AS
    SELECT DISTINCT course_code AS code, course_title AS title, teacher FROM enrolments_flat;
CREATE TABLE enrolments AS
    SELECT student_email AS email, course_code AS code, grade FROM enrolments_flat;

ALTER TABLE students ADD PRIMARY KEY (email);
ALTER TABLE courses ADD PRIMARY KEY (code);
ALTER TABLE enrolments ADD PRIMARY KEY (email, code);
ALTER TABLE enrolments ADD FOREIGN KEY (email) REFERENCES students (email);
ALTER TABLE enrolments ADD FOREIGN KEY (code) REFERENCES courses (code);
ALTER TABLE students ALTER full_name SET NOT NULL;
