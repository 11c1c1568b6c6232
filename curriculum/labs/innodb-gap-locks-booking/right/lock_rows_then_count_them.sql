-- Lock the day's booking rows (and the gap after them), then count with the same locking
-- read, which sees the newest committed rows.
CREATE INDEX appointments_doctor_day ON appointments (doctor_id, day);

START TRANSACTION;
SELECT id FROM appointments WHERE doctor_id = @doctor AND day = @day FOR UPDATE;
SELECT COUNT(*) INTO @booked FROM appointments WHERE doctor_id = @doctor AND day = @day FOR UPDATE;
SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @booked < @capacity;
COMMIT;
