CREATE INDEX appointments_doctor_day ON appointments (doctor_id, day);

START TRANSACTION;
SELECT COUNT(*) INTO @booked FROM appointments
WHERE doctor_id = 3 AND day = '2025-03-10' FOR UPDATE;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @booked < 5;
COMMIT;
