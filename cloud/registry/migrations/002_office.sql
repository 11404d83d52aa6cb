-- The fisheries office (cloud/office/README.md): daily fleet counts, port visits and voyages, signal-loss cases.

-- The fleet's counts per day and group, as they stood at the day's last snapshot (kept for history:
-- "on 15 March, 37 vessels of commune X were at sea").
CREATE TABLE fleet_daily (
  day date NOT NULL,
  group_by text NOT NULL,
  group_key text NOT NULL,
  group_name text,
  taken_at timestamptz NOT NULL,
  registered integer NOT NULL,
  at_sea integer NOT NULL,
  in_port integer NOT NULL,
  no_position integer NOT NULL,
  silent_over_6h integer NOT NULL,
  silent_over_10d integer NOT NULL,
  in_violation integer NOT NULL,
  licence_expired integer NOT NULL,
  without_licence integer NOT NULL,
  without_vms integer NOT NULL,
  open_cases integer NOT NULL,
  PRIMARY KEY (day, group_by, group_key)
);

CREATE TABLE port_events (
  id bigserial PRIMARY KEY,
  mmsi integer NOT NULL,
  registration text,
  kind text NOT NULL CHECK (kind IN ('departure', 'arrival')),
  port_id text NOT NULL,
  ts timestamptz NOT NULL,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  without_licence boolean NOT NULL DEFAULT false,
  UNIQUE (mmsi, kind, ts)
);
CREATE INDEX port_events_port ON port_events (port_id, ts);
CREATE INDEX port_events_time ON port_events (ts);

CREATE TABLE voyages (
  id bigserial PRIMARY KEY,
  mmsi integer NOT NULL,
  registration text,
  departure_port text NOT NULL,
  departure_ts timestamptz NOT NULL,
  arrival_port text,
  arrival_ts timestamptz,
  distance_km double precision NOT NULL DEFAULT 0,
  -- The newest position counted into the distance (the voyage goes on from there after a restart).
  last_ts timestamptz NOT NULL,
  last_lon double precision NOT NULL,
  last_lat double precision NOT NULL,
  UNIQUE (mmsi, departure_ts)
);
CREATE INDEX voyages_open ON voyages (mmsi) WHERE arrival_ts IS NULL;

CREATE TABLE signal_cases (
  id bigserial PRIMARY KEY,
  mmsi integer NOT NULL,
  registration text NOT NULL,
  name text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'awaiting_report', 'must_return', 'closed')),
  last_position_ts timestamptz NOT NULL,
  opened_at timestamptz NOT NULL,
  -- The newest position known: the beacon's last one, then each report's.
  last_report_ts timestamptz NOT NULL,
  reminded_for timestamptz,
  closed_at timestamptz,
  close_reason text
);
CREATE UNIQUE INDEX signal_cases_one_open ON signal_cases (mmsi) WHERE closed_at IS NULL;

CREATE TABLE signal_case_events (
  id bigserial PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES signal_cases (id),
  at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('opened', 'report', 'reminder', 'must_return', 'comment', 'closed')),
  by text,
  text text,
  ts timestamptz,
  lon double precision,
  lat double precision
);
CREATE INDEX signal_case_events_case ON signal_case_events (case_id, id);
