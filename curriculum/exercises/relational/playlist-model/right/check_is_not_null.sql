-- NOT NULL written as CHECK (... IS NOT NULL): the same rule.
create table artists (
  artist_id integer primary key,
  name text check (name is not null)
);
create table tracks (
  track_id integer primary key,
  title text,
  artist_id integer references artists,
  duration_s integer,
  check (title is not null and artist_id is not null and duration_s is not null and duration_s > 0)
);
create table playlists (
  playlist_id integer primary key,
  name text constraint playlists_name_required check (name is not null)
);
create table playlist_tracks (
  playlist_id integer references playlists on delete cascade,
  track_id integer references tracks on delete no action,
  position integer check (position is not null and position > 0),
  primary key (playlist_id, track_id),
  unique (playlist_id, position)
);
