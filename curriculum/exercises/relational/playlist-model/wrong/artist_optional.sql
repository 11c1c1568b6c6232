-- artist_id may be NULL, and a duration of 0 passes.
CREATE TABLE artists (artist_id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE tracks (track_id integer PRIMARY KEY, title text NOT NULL,
                     artist_id integer REFERENCES artists, duration_s integer NOT NULL CHECK (duration_s >= 0));
CREATE TABLE playlists (playlist_id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE playlist_tracks (
    playlist_id integer REFERENCES playlists ON DELETE CASCADE,
    track_id    integer REFERENCES tracks,
    position    integer NOT NULL CHECK (position > 0),
    PRIMARY KEY (playlist_id, track_id),
    UNIQUE (playlist_id, position)
);
