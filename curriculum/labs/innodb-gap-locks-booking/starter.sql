-- The booking transaction the clinic's web app runs for every booking, with
-- @doctor, @day and @patient set by the app. Two patients booking the last slot
-- at the same moment both get it. Add what it needs (an index first, if any),
-- then fix the transaction.
START TRANSACTION;

SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;

SELECT COUNT(*) INTO @booked
FROM appointments
WHERE doctor_id = @doctor AND day = @day;

INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL
WHERE @booked < @capacity;

COMMIT;
