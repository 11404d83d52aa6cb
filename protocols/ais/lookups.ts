/** gpsd's text for coded AIS fields (the `*_text` members of its JSON), checked against gpsdecode 3.22. */

export const NAV_STATUS_TEXT: readonly string[] = [
  'Under way using engine',
  'At anchor',
  'Not under command',
  'Restricted manoeuverability',
  'Constrained by her draught',
  'Moored',
  'Aground',
  'Engaged in fishing',
  'Under way sailing',
  'Reserved for HSC',
  'Reserved for WIG',
  'Reserved',
  'Reserved',
  'Reserved',
  'Reserved',
  'Not defined',
];

export const EPFD_TEXT: readonly string[] = [
  'Undefined',
  'GPS',
  'GLONASS',
  'Combined GPS/GLONASS',
  'Loran-C',
  'Chayka',
  'Integrated navigation system',
  'Surveyed',
  'Galileo',
  ...Array<string>(7).fill('INVALID EPFD'),
];

const SHIP_TYPE_FAMILY: readonly string[] = [
  '',
  '',
  'Wing in ground (WIG)',
  '',
  'High speed craft (HSC)',
  '',
  'Passenger',
  'Cargo',
  'Tanker',
  'Other Type',
];
const SHIP_TYPE_CATEGORY: readonly string[] = [
  'all ships of this type',
  'Hazardous category A',
  'Hazardous category B',
  'Hazardous category C',
  'Hazardous category D',
  'Reserved for future use',
  'Reserved for future use',
  'Reserved for future use',
  'Reserved for future use',
  'No additional information',
];
const SHIP_TYPE_30S: readonly string[] = [
  'Fishing',
  'Towing',
  'Towing: length exceeds 200m or breadth exceeds 25m',
  'Dredging or underwater ops',
  'Diving ops',
  'Military ops',
  'Sailing',
  'Pleasure Craft',
  'Reserved',
  'Reserved',
];
const SHIP_TYPE_50S: readonly string[] = [
  'Pilot Vessel',
  'Search and Rescue vessel',
  'Tug',
  'Port Tender',
  'Anti-pollution equipment',
  'Law Enforcement',
  'Spare - Local Vessel',
  'Spare - Local Vessel',
  'Medical Transport',
  'Ship according to RR Resolution No. 18',
];

export const SHIP_TYPE_TEXT: readonly string[] = Array.from({ length: 256 }, (_, code) => {
  if (code === 0) return 'Not available';
  if (code < 20) return 'Reserved for future use';
  if (code >= 100) return 'INVALID SHIP TYPE';
  const decade = Math.floor(code / 10);
  const unit = code % 10;
  if (decade === 3) return SHIP_TYPE_30S[unit]!;
  if (decade === 5) return SHIP_TYPE_50S[unit]!;
  if (decade === 2 && unit >= 5) return 'Wing in ground (WIG) - Reserved for future use';
  if (code === 99) return 'Other Type - no additional information';
  if (decade === 2 && unit === 9) return 'Wing in ground (WIG) - Reserved for future use';
  return `${SHIP_TYPE_FAMILY[decade]!} - ${SHIP_TYPE_CATEGORY[unit]!}`;
});

export const AID_TYPE_TEXT: readonly string[] = [
  'Unspecified',
  'Reference point',
  'RACON',
  'Fixed offshore structure',
  'Spare, Reserved for future use.',
  'Light, without sectors',
  'Light, with sectors',
  'Leading Light Front',
  'Leading Light Rear',
  'Beacon, Cardinal N',
  'Beacon, Cardinal E',
  'Beacon, Cardinal S',
  'Beacon, Cardinal W',
  'Beacon, Port hand',
  'Beacon, Starboard hand',
  'Beacon, Preferred Channel port hand',
  'Beacon, Preferred Channel starboard hand',
  'Beacon, Isolated danger',
  'Beacon, Safe water',
  'Beacon, Special mark',
  'Cardinal Mark N',
  'Cardinal Mark E',
  'Cardinal Mark S',
  'Cardinal Mark W',
  'Port hand Mark',
  'Starboard hand Mark',
  'Preferred Channel Port hand',
  'Preferred Channel Starboard hand',
  'Isolated danger',
  'Safe Water',
  'Special Mark',
  'Light Vessel / LANBY / Rigs',
];

export const STATION_TYPE_TEXT: readonly string[] = [
  'All types of mobiles',
  'Reserved for future use',
  'All types of Class B mobile stations',
  'SAR airborne mobile station',
  'Aid to Navigation station',
  'Class B shipborne mobile station',
  'Regional use and inland waterways',
  'Regional use and inland waterways',
  'Regional use and inland waterways',
  'Regional use and inland waterways',
  'Reserved for future use',
  'Reserved for future use',
  'Reserved for future use',
  'Reserved for future use',
  'Reserved for future use',
  'Reserved for future use',
];
