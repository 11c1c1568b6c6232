-- Locks the rows, then counts with a plain SELECT: that reads the snapshot taken at the
-- transaction's first read, from before the other booking committed.
CREATE INDEX appointments_doctor_day ON appointments (doctor_id, day);

START TRANSACTION;
SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;
SELECT id FROM appointments WHERE doctor_id = @doctor AND day = @day FOR UPDATE;
SELECT COUNT(*) INTO @booked FROM appointments WHERE doctor_id = @doctor AND day = @day;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @booked < @capacity;
COMMIT;
