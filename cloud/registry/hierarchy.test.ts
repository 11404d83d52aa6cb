import { describe, expect, it } from 'vitest';
import type { AdminUnit } from '../../protocols/api/registry.js';
import { districtOn, hasDistrictsOn, validOn } from './hierarchy.js';

const REFORM_EVE = '2025-06-30';
const units: AdminUnit[] = [
  { code: '96', kind: 'province', name: 'Cà Mau', validFrom: '1997-01-01' },
  {
    code: '95',
    kind: 'province',
    name: 'Bạc Liêu',
    validFrom: '1997-01-01',
    validTo: REFORM_EVE,
    replacedBy: '96',
  },
  {
    code: 'D-TVT',
    kind: 'district',
    name: 'Trần Văn Thời',
    parentCode: '96',
    validFrom: '1997-01-01',
    validTo: REFORM_EVE,
  },
  {
    code: 'D-UM',
    kind: 'district',
    name: 'U Minh',
    parentCode: '96',
    validFrom: '1997-01-01',
    validTo: REFORM_EVE,
  },
  {
    code: 'D-DH',
    kind: 'district',
    name: 'Đông Hải',
    parentCode: '95',
    validFrom: '1997-01-01',
    validTo: REFORM_EVE,
  },
  { code: 'C-SD', kind: 'commune', name: 'Sông Đốc', parentCode: '96', validFrom: '2025-07-01' },
  { code: 'C-GH', kind: 'commune', name: 'Gành Hào', parentCode: '96', validFrom: '2025-07-01' },
  { code: 'C-NEW', kind: 'commune', name: 'Không rõ', parentCode: '96', validFrom: '2025-07-01' },
  // Two old communes of two districts merged into Sông Đốc: the first by code gives the district.
  {
    code: 'X-B',
    kind: 'commune',
    name: 'Khánh Hải',
    parentCode: 'D-UM',
    validFrom: '1997-01-01',
    validTo: REFORM_EVE,
    replacedBy: 'C-SD',
  },
  {
    code: 'X-A',
    kind: 'commune',
    name: 'TT Sông Đốc',
    parentCode: 'D-TVT',
    validFrom: '1997-01-01',
    validTo: REFORM_EVE,
    replacedBy: 'C-SD',
  },
  {
    code: 'X-GH',
    kind: 'commune',
    name: 'TT Gành Hào',
    parentCode: 'D-DH',
    validFrom: '1997-01-01',
    validTo: REFORM_EVE,
    replacedBy: 'C-GH',
  },
];

describe('the administrative hierarchy as data', () => {
  it('knows which units were in force on a day', () => {
    expect(validOn(units[2]!, REFORM_EVE)).toBe(true);
    expect(validOn(units[2]!, '2025-07-01')).toBe(false);
    expect(hasDistrictsOn(units, '2025-03-15')).toBe(true);
    expect(hasDistrictsOn(units, '2025-07-01')).toBe(false);
  });

  it('finds the district of a commune of the time, and of a new commune through the ones it replaced', () => {
    expect(districtOn(units, 'X-GH', '2025-03-15')?.name).toBe('Đông Hải');
    expect(districtOn(units, 'C-GH', '2025-03-15')?.name).toBe('Đông Hải');
    expect(districtOn(units, 'C-SD', '2025-03-15')?.code).toBe('D-TVT');
    // Not in the data: no guess.
    expect(districtOn(units, 'C-NEW', '2025-03-15')).toBeUndefined();
    expect(districtOn(units, 'unknown', '2025-03-15')).toBeUndefined();
    // After the reform there is no district to give.
    expect(districtOn(units, 'C-SD', '2025-07-01')).toBeUndefined();
  });
});
