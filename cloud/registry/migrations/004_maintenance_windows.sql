-- Maintenance windows set on the API (cloud/offline): a camera, or a whole edge (camera_id null), expected to be
-- dark from from_at until until_at. Shared by every cloud instance; a removed window stays, with who ended it
-- and when (the audit), and is no longer applied.

CREATE TABLE maintenance_windows (
  id text PRIMARY KEY,
  edge_id text NOT NULL,
  camera_id text,
  from_at timestamptz NOT NULL,
  until_at timestamptz NOT NULL,
  note text,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  removed_at timestamptz,
  removed_by text,
  CHECK (until_at > from_at),
  CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);
-- What the offline alarms read at every check: the windows not removed and not over.
CREATE INDEX maintenance_windows_in_force ON maintenance_windows (until_at) WHERE removed_at IS NULL;
