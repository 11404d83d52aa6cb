-- Per-camera settings set from the dashboard (cloud/camera-settings): what the cloud wants (desired, with a
-- version that only grows) and what the edge last reported it applied; every change in the audit.

CREATE TABLE camera_settings (
  edge_id text NOT NULL,
  camera_id text NOT NULL,
  -- 0: the edge reported settings the cloud has no row for (its database was replaced); nothing desired yet.
  version integer NOT NULL,
  settings jsonb NOT NULL,
  updated_at timestamptz,
  updated_by text,
  applied_version integer NOT NULL DEFAULT 0,
  applied_at timestamptz,
  reported_at timestamptz,
  refused_version integer,
  refused_reason text,
  PRIMARY KEY (edge_id, camera_id)
);

CREATE TABLE camera_settings_audit (
  id bigserial PRIMARY KEY,
  edge_id text NOT NULL,
  camera_id text NOT NULL,
  version integer NOT NULL,
  at timestamptz NOT NULL,
  by text NOT NULL,
  settings jsonb NOT NULL,
  previous jsonb
);
CREATE INDEX camera_settings_audit_camera ON camera_settings_audit (edge_id, camera_id, id);
