-- The index can lead with the day: both columns are compared with =, so the locked range is
-- the same doctor-and-day.
CREATE INDEX appointments_day_doctor ON appointments (day, doctor_id);

START TRANSACTION;
SELECT COUNT(*) INTO @booked FROM appointments
WHERE day = @day AND doctor_id = @doctor FOR UPDATE;
SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @booked < @capacity;
COMMIT;
