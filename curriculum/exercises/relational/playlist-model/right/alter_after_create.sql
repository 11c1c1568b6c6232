-- Columns first, rules afterwards with ALTER TABLE.
CREATE TABLE artists (artist_id int, name text);
CREATE TABLE tracks (track_id int, title text, artist_id int, duration_s int);
CREATE TABLE playlists (playlist_id int, name text);
CREATE TABLE playlist_tracks (playlist_id int, track_id int, position int);

ALTER TABLE artists ADD PRIMARY KEY (artist_id);
ALTER TABLE artists ALTER COLUMN name SET NOT NULL;
ALTER TABLE tracks ADD PRIMARY KEY (track_id);
ALTER TABLE tracks ALTER COLUMN title SET NOT NULL;
ALTER TABLE tracks ALTER COLUMN artist_id SET NOT NULL;
ALTER TABLE tracks ALTER COLUMN duration_s SET NOT NULL;
ALTER TABLE tracks ADD FOREIGN KEY (artist_id) REFERENCES artists;
ALTER TABLE tracks ADD CHECK (duration_s > 0);
ALTER TABLE playlists ADD PRIMARY KEY (playlist_id);
ALTER TABLE playlists ALTER COLUMN name SET NOT NULL;
ALTER TABLE playlist_tracks ADD PRIMARY KEY (playlist_id, track_id);
ALTER TABLE playlist_tracks ALTER COLUMN position SET NOT NULL;
ALTER TABLE playlist_tracks ADD UNIQUE (playlist_id, position);
ALTER TABLE playlist_tracks ADD CHECK (position > 0);
ALTER TABLE playlist_tracks ADD FOREIGN KEY (playlist_id) REFERENCES playlists ON DELETE CASCADE;
ALTER TABLE playlist_tracks ADD FOREIGN KEY (track_id) REFERENCES tracks;
