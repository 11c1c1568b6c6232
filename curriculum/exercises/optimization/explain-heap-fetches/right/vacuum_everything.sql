-- every table this role owns
VACUUM;
