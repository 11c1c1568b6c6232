-- A locking read, but through the foreign key's index on doctor_id only: it locks every
-- booking of the doctor, on every day.
START TRANSACTION;
SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;
SELECT COUNT(*) INTO @booked FROM appointments
WHERE doctor_id = @doctor AND day = @day FOR UPDATE;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @booked < @capacity;
COMMIT;
