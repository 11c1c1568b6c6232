-- Free places in one locking read of the day's bookings; the capacity is read apart (a lock
-- on the doctor's row would also block that doctor's other days).
CREATE INDEX appointments_doctor_day ON appointments (doctor_id, day);

START TRANSACTION WITH CONSISTENT SNAPSHOT;
SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;
SELECT @capacity - COUNT(*) INTO @free
FROM appointments
WHERE doctor_id = @doctor AND day = @day
FOR UPDATE;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @free > 0;
COMMIT;
