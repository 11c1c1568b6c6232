-- The many-to-many squeezed into an array column: nothing refers to real tracks.
CREATE TABLE artists (artist_id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE tracks (track_id integer PRIMARY KEY, title text NOT NULL,
                     artist_id integer NOT NULL REFERENCES artists, duration_s integer NOT NULL CHECK (duration_s > 0));
CREATE TABLE playlists (playlist_id integer PRIMARY KEY, name text NOT NULL, track_ids integer[]);
CREATE TABLE playlist_tracks (playlist_id integer, track_id integer, position integer);
