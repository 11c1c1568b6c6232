-- Tables created in dependency order inside one transaction, quoted identifiers, numeric ids.
BEGIN;
CREATE TABLE "artists" ("artist_id" numeric(10) PRIMARY KEY, "name" text NOT NULL);
CREATE TABLE "playlists" ("playlist_id" numeric(10) PRIMARY KEY, "name" text NOT NULL);
CREATE TABLE "tracks" (
    "track_id" numeric(10) PRIMARY KEY,
    "title" text NOT NULL,
    "artist_id" numeric(10) NOT NULL REFERENCES "artists",
    "duration_s" integer NOT NULL CHECK ("duration_s" > 0)
);
CREATE TABLE "playlist_tracks" (
    "playlist_id" numeric(10) REFERENCES "playlists" ON DELETE CASCADE,
    "track_id" numeric(10) REFERENCES "tracks",
    "position" integer NOT NULL CHECK ("position" > 0),
    PRIMARY KEY ("playlist_id", "track_id"),
    UNIQUE ("playlist_id", "position")
);
COMMIT;
