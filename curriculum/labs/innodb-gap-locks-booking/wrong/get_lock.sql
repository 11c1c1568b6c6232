-- A named lock per doctor and day: bookings through this code wait for each other, but the
-- reception's plain INSERT never asks for the name.
START TRANSACTION;
SELECT GET_LOCK(CONCAT('booking-', @doctor, '-', @day), 10) INTO @locked;
SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;
SELECT COUNT(*) INTO @booked FROM appointments WHERE doctor_id = @doctor AND day = @day;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @booked < @capacity;
COMMIT;
SELECT RELEASE_LOCK(CONCAT('booking-', @doctor, '-', @day)) INTO @released;
