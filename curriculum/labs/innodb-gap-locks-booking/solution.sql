-- An index on exactly what the count compares with =, so the locking read locks only this
-- doctor's bookings of this day and the gap after them (next-key locks), not every booking
-- of the doctor (the foreign key's index) or of the table (no index at all).
CREATE INDEX appointments_doctor_day ON appointments (doctor_id, day);

START TRANSACTION;

SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;

-- A locking read: it reads the newest committed rows (not the snapshot) and keeps any other
-- booking for this doctor and day out until COMMIT, so the count stays true.
SELECT COUNT(*) INTO @booked
FROM appointments
WHERE doctor_id = @doctor AND day = @day
FOR UPDATE;

INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL
WHERE @booked < @capacity;

COMMIT;
