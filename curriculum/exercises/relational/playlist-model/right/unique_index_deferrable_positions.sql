-- Positions unique through a unique index; foreign keys deferrable (checked at COMMIT).
CREATE TABLE artists (
    artist_id integer PRIMARY KEY,
    name      text NOT NULL CHECK (name <> '')
);
CREATE TABLE tracks (
    track_id   integer PRIMARY KEY,
    title      text NOT NULL,
    artist_id  integer NOT NULL REFERENCES artists DEFERRABLE INITIALLY DEFERRED,
    duration_s integer NOT NULL CHECK (duration_s BETWEEN 1 AND 86400)
);
CREATE TABLE playlists (
    playlist_id integer PRIMARY KEY,
    name        text NOT NULL
);
CREATE TABLE playlist_tracks (
    playlist_id integer REFERENCES playlists ON DELETE CASCADE DEFERRABLE,
    track_id    integer REFERENCES tracks DEFERRABLE INITIALLY DEFERRED,
    position    integer NOT NULL CHECK (position > 0),
    PRIMARY KEY (playlist_id, track_id)
);
CREATE UNIQUE INDEX playlist_tracks_position_uq ON playlist_tracks (playlist_id, position);
CREATE INDEX ON playlist_tracks (track_id);
CREATE INDEX ON tracks (artist_id);
