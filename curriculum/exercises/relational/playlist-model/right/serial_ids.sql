CREATE TABLE artists (
    artist_id serial PRIMARY KEY,
    name      text NOT NULL
);
CREATE TABLE tracks (
    track_id   serial PRIMARY KEY,
    title      text NOT NULL,
    artist_id  int NOT NULL REFERENCES artists,
    duration_s int NOT NULL CONSTRAINT positive_duration CHECK (duration_s > 0)
);
CREATE TABLE playlists (
    playlist_id serial PRIMARY KEY,
    name        text NOT NULL
);
CREATE TABLE playlist_tracks (
    playlist_id int REFERENCES playlists ON DELETE CASCADE,
    track_id    int REFERENCES tracks,
    position    int NOT NULL CONSTRAINT positive_position CHECK (position > 0),
    CONSTRAINT one_entry_per_track PRIMARY KEY (playlist_id, track_id),
    CONSTRAINT one_track_per_position UNIQUE (playlist_id, position)
);
