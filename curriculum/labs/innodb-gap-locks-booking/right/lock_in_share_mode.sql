-- Shared locks are enough to keep inserts out of the range; two bookings of an empty or
-- nearly full day may deadlock on their inserts, and the app retries that.
ALTER TABLE appointments ADD INDEX by_doctor_day (doctor_id, day);

START TRANSACTION;
SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;
SELECT COUNT(*) INTO @booked FROM appointments
WHERE doctor_id = @doctor AND day = @day
LOCK IN SHARE MODE;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @booked < @capacity;
COMMIT;
