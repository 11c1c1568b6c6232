-- Key columns in the other order; same rules.
CREATE TABLE artists (artist_id integer NOT NULL, name text NOT NULL, PRIMARY KEY (artist_id));
CREATE TABLE playlists (playlist_id integer NOT NULL, name text NOT NULL, PRIMARY KEY (playlist_id));
CREATE TABLE tracks (
    track_id integer NOT NULL PRIMARY KEY,
    artist_id integer NOT NULL REFERENCES artists (artist_id) ON UPDATE CASCADE,
    title text NOT NULL,
    duration_s smallint NOT NULL CHECK (duration_s > 0)
);
CREATE TABLE playlist_tracks (
    track_id integer NOT NULL REFERENCES tracks (track_id) ON DELETE RESTRICT,
    playlist_id integer NOT NULL REFERENCES playlists (playlist_id) ON DELETE CASCADE ON UPDATE CASCADE,
    position integer NOT NULL CHECK (position > 0),
    PRIMARY KEY (track_id, playlist_id),
    UNIQUE (position, playlist_id)
);
