import type { AdminUnit, VesselFields } from '../../protocols/api/registry.js';
import type { VesselRegistration } from '../../protocols/api/vessels.js';
import { childSeed, Random } from './random.js';
import type { VesselIdentity } from './vessels.js';

/**
 * DEMO DATA, NOT REAL: a generated registry for the demo fleet. Commune names are real Cà Mau communes after the
 * 1 July 2025 reform, but their codes (`DEMO-...`) are made up, as are every vessel, owner and phone number.
 */
export const DEMO_UNITS: readonly AdminUnit[] = [
  // Districts abolished on 1 July 2025: older reports were made by them.
  {
    code: 'DEMO-D-TVT',
    kind: 'district',
    name: 'Trần Văn Thời',
    parentCode: '96',
    validFrom: '1997-01-01',
    validTo: '2025-06-30',
    demo: true,
  },
  {
    code: 'DEMO-D-NH',
    kind: 'district',
    name: 'Ngọc Hiển',
    parentCode: '96',
    validFrom: '2003-12-01',
    validTo: '2025-06-30',
    demo: true,
  },
  {
    code: 'DEMO-D-DH',
    kind: 'district',
    name: 'Đông Hải',
    parentCode: '95',
    validFrom: '1997-01-01',
    validTo: '2025-06-30',
    demo: true,
  },
  ...(
    [
      ['DEMO-D-UM', 'U Minh', '96'],
      ['DEMO-D-NCA', 'Năm Căn', '96'],
    ] as const
  ).map(([code, name, parentCode]) => ({
    code,
    kind: 'district' as const,
    name,
    parentCode,
    validFrom: '1997-01-01',
    validTo: '2025-06-30',
    demo: true,
  })),
  ...(
    [
      ['DEMO-SD', 'Sông Đốc'],
      ['DEMO-KH', 'Khánh Hội'],
      ['DEMO-DM', 'Đất Mũi'],
      ['DEMO-NC', 'Năm Căn'],
      ['DEMO-GH', 'Gành Hào'],
      ['DEMO-LD', 'Long Điền'],
    ] as const
  ).map(([code, name]) => ({
    code,
    kind: 'commune' as const,
    name,
    parentCode: '96',
    validFrom: '2025-07-01',
    demo: true,
  })),
  // A PARTIAL demo set of the communes before the reform, each under its district and pointing at the commune that
  // took it over on 1 July 2025 (`replacedBy`): reports of days before the reform group the fleet by district.
  ...(
    [
      ['DEMO-X-TTSD', 'Thị trấn Sông Đốc', 'DEMO-D-TVT', 'DEMO-SD'],
      ['DEMO-X-KH', 'Khánh Hội (cũ)', 'DEMO-D-UM', 'DEMO-KH'],
      ['DEMO-X-DM', 'Đất Mũi (cũ)', 'DEMO-D-NH', 'DEMO-DM'],
      ['DEMO-X-TTNC', 'Thị trấn Năm Căn', 'DEMO-D-NCA', 'DEMO-NC'],
      ['DEMO-X-TTGH', 'Thị trấn Gành Hào', 'DEMO-D-DH', 'DEMO-GH'],
      ['DEMO-X-LD', 'Long Điền (cũ)', 'DEMO-D-DH', 'DEMO-LD'],
    ] as const
  ).map(([code, name, parentCode, replacedBy]) => ({
    code,
    kind: 'commune' as const,
    name,
    parentCode,
    validFrom: '1997-01-01',
    validTo: '2025-06-30',
    replacedBy,
    demo: true,
  })),
];

/** Communes whose boats sail from each simulated port. */
const COMMUNES_BY_PORT: Record<string, readonly string[]> = {
  'song-doc': ['DEMO-SD', 'DEMO-KH', 'DEMO-DM', 'DEMO-NC'],
  'ganh-hao': ['DEMO-GH', 'DEMO-LD'],
};
const GEARS = [
  'lưới kéo (trawl)',
  'lưới rê (gillnet)',
  'lưới vây (purse seine)',
  'câu (longline)',
  'lồng bẫy (trap)',
];
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Võ', 'Đặng', 'Bùi', 'Dương', 'Lâm'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Hữu', 'Thanh', 'Quốc'];
const GIVEN = ['Hải', 'Phúc', 'Lộc', 'Tài', 'Dũng', 'Hùng', 'Lan', 'Hoa', 'Sơn', 'Tâm', 'Thắng', 'Nghĩa'];
const BOAT = [
  'Phúc Lộc',
  'Tân Phát',
  'Hải Đăng',
  'Thành Công',
  'Kim Ngân',
  'Bình An',
  'Hưng Thịnh',
  'Ngọc Biển',
];

export interface DemoRegistryOptions {
  /** The live fleet's vessels (they get registry entries matching their MMSI and length). */
  fleet: readonly VesselIdentity[];
  /** Scenario vessels the cloud must know (the IUU replay), registered with licence and beacon. */
  scenario?: readonly VesselRegistration[];
  /** Vessels in all, registry-only ones (in port, never heard) added up to it. */
  total: number;
  /** `YYYY-MM-DD`: licences are made valid or expired around it. */
  today: string;
  seed?: number;
}

/** A few hundred registered vessels over several communes, deterministic for a seed. DEMO DATA. */
export function demoRegistry(options: DemoRegistryOptions): { units: AdminUnit[]; vessels: VesselFields[] } {
  const seed = options.seed ?? 7;
  const vessels: VesselFields[] = [];
  const taken = new Set<string>();
  const mmsis = new Set<number>();
  const add = (fields: VesselFields) => {
    if (mmsis.has(fields.mmsi!)) return;
    // Two simulated boats drew the same number: the later one gets the next free number.
    while (taken.has(fields.registration))
      fields.registration = fields.registration.replace(/\d+/, (n) =>
        String(Number(n) + 1).padStart(n.length, '0'),
      );
    taken.add(fields.registration);
    mmsis.add(fields.mmsi!);
    vessels.push(fields);
  };
  // The scenario's vessels are in order (licensed, beaconed): their alarms are the scenario's own.
  (options.scenario ?? []).forEach((v, i) => {
    const random = new Random(childSeed(seed + 1, i));
    add({
      ...facts(random, v.registration, v.mmsi, v.lengthM, 'song-doc', options.today),
      name: v.name,
      licenceNumber: `DEMO-GP-S${i + 1}`,
      licenceZoneClass: v.lengthM >= 15 ? 'offshore' : v.lengthM >= 12 ? 'inshore' : 'coastal',
      licenceValidFrom: shiftDay(options.today, -100),
      licenceValidTo: shiftDay(options.today, 365),
      vmsDeviceId: `DEMO-VMS-S${i + 1}`,
    });
  });
  options.fleet.forEach((identity, i) =>
    add(
      facts(
        new Random(childSeed(seed, i)),
        identity.name,
        identity.mmsi,
        identity.lengthM,
        identity.homePort.id,
        options.today,
      ),
    ),
  );
  for (let i = 0; vessels.length < options.total; i++) {
    const random = new Random(childSeed(seed + 2, i));
    const port = random.chance(0.7) ? 'song-doc' : 'ganh-hao';
    const registration = `${port === 'song-doc' ? 'CM' : 'BL'}-${random.int(10_000, 89_999)}-TS`;
    add(facts(random, registration, 574_500_000 + i, random.int(6, 28), port, options.today));
  }
  return { units: [...DEMO_UNITS], vessels };
}

function facts(
  random: Random,
  registration: string,
  mmsi: number,
  lengthM: number,
  port: string,
  today: string,
): VesselFields {
  const person = () => `${random.pick(FAMILY)} ${random.pick(MIDDLE)} ${random.pick(GIVEN)}`;
  const phone = () => `09${random.int(10, 99)} ${random.int(100, 999)} ${random.int(100, 999)}`;
  const zoneClass = lengthM >= 15 ? 'offshore' : lengthM >= 12 ? 'inshore' : 'coastal';
  const fields: VesselFields = {
    registration,
    name: `${random.pick(BOAT)} ${random.int(1, 99)} (demo)`,
    mmsi,
    lengthM,
    grossTonnage: Math.round(lengthM * lengthM * 0.35),
    gear: random.pick(GEARS),
    ownerName: person(),
    ownerPhone: phone(),
    captainName: person(),
    captainPhone: phone(),
    homePort: `port-${port}`,
    communeCode: random.pick(COMMUNES_BY_PORT[port] ?? COMMUNES_BY_PORT['song-doc']!),
  };
  const licence = random.next();
  if (licence < 0.95) {
    // Most licences valid; one in twenty expired a few weeks ago; the rest have none.
    const expired = licence > 0.9;
    fields.licenceNumber = `DEMO-GP-${random.int(1000, 9999)}`;
    fields.licenceZoneClass = zoneClass;
    fields.licenceValidFrom = shiftDay(today, -random.int(60, 600));
    fields.licenceValidTo = expired
      ? shiftDay(today, -random.int(5, 60))
      : shiftDay(today, random.int(30, 700));
  }
  if (lengthM >= 15 ? random.chance(0.95) : random.chance(0.2))
    fields.vmsDeviceId = `DEMO-VMS-${random.int(100_000, 999_999)}`;
  return fields;
}

function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
