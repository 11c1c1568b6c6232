CREATE TABLE students (
    email     varchar(254) NOT NULL,
    full_name varchar(200) NOT NULL,
    CONSTRAINT students_pk PRIMARY KEY (email)
);
CREATE TABLE courses (
    code    varchar(10)  NOT NULL,
    title   varchar(200) NOT NULL,
    teacher varchar(200) NOT NULL,
    CONSTRAINT courses_pk PRIMARY KEY (code)
);
CREATE TABLE enrolments (
    code  varchar(10)  NOT NULL,
    email varchar(254) NOT NULL,
    grade smallint CHECK (grade BETWEEN 0 AND 20),
    CONSTRAINT enrolments_pk PRIMARY KEY (code, email),
    CONSTRAINT enrolments_student_fk FOREIGN KEY (email) REFERENCES students (email),
    CONSTRAINT enrolments_course_fk FOREIGN KEY (code) REFERENCES courses (code)
);
CREATE INDEX enrolments_email_idx ON enrolments (email);

INSERT INTO courses (code, title, teacher)
SELECT DISTINCT course_code, course_title, teacher FROM enrolments_flat;
INSERT INTO students (email, full_name)
SELECT DISTINCT student_email, student_name FROM enrolments_flat;
INSERT INTO enrolments (code, email, grade)
SELECT course_code, student_email, grade FROM enrolments_flat;
