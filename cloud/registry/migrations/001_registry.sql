-- The vessel registry (cloud/registry/README.md). Dates are calendar days in Vietnam (UTC+7).

-- Provinces, communes (wards, special zones) and, for reports made before 1 July 2025, districts: each unit
-- with the days it was valid. A commune's parent is its province; a legacy commune's parent is its district.
CREATE TABLE admin_units (
  code text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('province', 'district', 'commune')),
  name text NOT NULL,
  parent_code text REFERENCES admin_units (code),
  valid_from date NOT NULL,
  valid_to date,
  -- A merged or abolished unit: the unit that took it over (Bạc Liêu -> Cà Mau).
  replaced_by text REFERENCES admin_units (code),
  demo boolean NOT NULL DEFAULT false,
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

CREATE TABLE vessels (
  registration text PRIMARY KEY,
  name text NOT NULL,
  mmsi integer CHECK (mmsi BETWEEN 0 AND 999999999),
  vms_device_id text,
  length_m double precision NOT NULL CHECK (length_m > 0),
  gross_tonnage double precision CHECK (gross_tonnage >= 0),
  gear text,
  licence_number text,
  licence_zone_class text CHECK (licence_zone_class IN ('offshore', 'inshore', 'coastal')),
  licence_valid_from date,
  licence_valid_to date,
  owner_name text,
  owner_phone text,
  captain_name text,
  captain_phone text,
  home_port text,
  commune_code text REFERENCES admin_units (code),
  province_code text REFERENCES admin_units (code),
  demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  retired_at timestamptz,
  retired_reason text
);
-- An MMSI names one vessel in service; a retired vessel's MMSI may be given to another.
CREATE UNIQUE INDEX vessels_mmsi_in_service ON vessels (mmsi) WHERE retired_at IS NULL AND mmsi IS NOT NULL;
CREATE INDEX vessels_commune ON vessels (commune_code);

-- Every change of the registry: who, when, the row before and after (null when created / none).
CREATE TABLE registry_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL CHECK (action IN ('create', 'update', 'retire', 'import', 'seed')),
  registration text NOT NULL,
  before jsonb,
  after jsonb
);
CREATE INDEX registry_audit_registration ON registry_audit (registration, at);

INSERT INTO admin_units (code, kind, name, valid_from, valid_to) VALUES ('96', 'province', 'Cà Mau', '1997-01-01', NULL);
INSERT INTO admin_units (code, kind, name, valid_from, valid_to, replaced_by) VALUES ('95', 'province', 'Bạc Liêu', '1997-01-01', '2025-06-30', '96');
