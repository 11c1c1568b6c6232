CREATE TABLE artists (
    artist_id integer PRIMARY KEY,
    name      text NOT NULL
);

-- one-to-many: the foreign key lives on the "many" side
CREATE TABLE tracks (
    track_id   integer PRIMARY KEY,
    title      text NOT NULL,
    artist_id  integer NOT NULL REFERENCES artists (artist_id),   -- NO ACTION: refuses deleting an artist with tracks
    duration_s integer NOT NULL CHECK (duration_s > 0)
);

CREATE TABLE playlists (
    playlist_id integer PRIMARY KEY,
    name        text NOT NULL
);

-- many-to-many: a junction table whose key is the pair, with its own attribute (position)
CREATE TABLE playlist_tracks (
    playlist_id integer NOT NULL REFERENCES playlists (playlist_id) ON DELETE CASCADE,
    track_id    integer NOT NULL REFERENCES tracks (track_id),
    position    integer NOT NULL CHECK (position > 0),
    PRIMARY KEY (playlist_id, track_id),
    UNIQUE (playlist_id, position)
);

-- the key indexes (playlist_id, ...); lookups and deletes by track need their own index
CREATE INDEX playlist_tracks_track_idx ON playlist_tracks (track_id);
