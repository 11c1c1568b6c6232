-- Deleting a track silently removes it from every playlist; deleting an artist removes their tracks.
CREATE TABLE artists (artist_id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE tracks (track_id integer PRIMARY KEY, title text NOT NULL,
                     artist_id integer NOT NULL REFERENCES artists ON DELETE CASCADE,
                     duration_s integer NOT NULL CHECK (duration_s > 0));
CREATE TABLE playlists (playlist_id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE playlist_tracks (
    playlist_id integer REFERENCES playlists ON DELETE CASCADE,
    track_id    integer REFERENCES tracks ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position > 0),
    PRIMARY KEY (playlist_id, track_id),
    UNIQUE (playlist_id, position)
);
