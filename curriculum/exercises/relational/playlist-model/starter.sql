CREATE TABLE artists (
    artist_id integer,
    name      text
);

-- CREATE TABLE tracks (...);
-- CREATE TABLE playlists (...);
-- CREATE TABLE playlist_tracks (...);
