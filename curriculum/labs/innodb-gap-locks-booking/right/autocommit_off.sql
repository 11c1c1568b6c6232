-- The transaction as a connector with autocommit off would run it.
CREATE INDEX appointments_doctor_day ON appointments (doctor_id, day);

SET autocommit = 0;
SELECT COUNT(*) INTO @booked FROM appointments WHERE doctor_id = @doctor AND day = @day FOR UPDATE;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM doctors WHERE id = @doctor AND daily_capacity > @booked;
COMMIT;
SET autocommit = 1;
