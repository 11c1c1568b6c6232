-- Serialise on the doctor's row: correct counts, but every booking of that doctor, any day, waits.
START TRANSACTION;
SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor FOR UPDATE;
SELECT COUNT(*) INTO @booked FROM appointments WHERE doctor_id = @doctor AND day = @day;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @booked < @capacity;
COMMIT;
