import type { PayloadBits } from './bits.js';
import type { AddressedBinary, BinaryBroadcast } from './messages.js';

/**
 * DAC/FID application payloads of types 6 and 8 that gpsd 3.22 decodes, with gpsd's JSON field names and
 * raw values. Each decoder adds the fields to the message (in gpsd's order) and returns true; false keeps the
 * payload as raw `data`. Layouts follow gpsd's driver_ais.c, including its quirks (e.g. the bit offset of
 * 1/15 airdraught), because the output must match gpsdecode.
 */

type Fields = Record<string, unknown>;

const pad2 = (value: number) => (value < 10 ? `0${value}` : `${value}`);
/** `MM-DDTHH:MMZ`, gpsd's partial ISO 8601 date. */
const monthDayTime = (bits: PayloadBits, at: number, suffix = 'Z') =>
  `${pad2(bits.uint(at, 4))}-${pad2(bits.uint(at + 4, 5))}T${pad2(bits.uint(at + 9, 5))}:${pad2(bits.uint(at + 14, 6))}${suffix}`;

export const RACON_STATUS_TEXT = [
  'No RACON installed',
  'RACON not monitored',
  'RACON operational',
  'RACON ERROR',
];
export const LIGHT_STATUS_TEXT = ['No light or no monitoring', 'Light ON', 'Light OFF', 'Light ERROR'];
const RTA_STATUS_TEXT = ['Operational', 'Limited operation', 'Out of order', 'N/A'];
const BERTH_POSITION_TEXT = [
  'Not available',
  'Port-side to',
  'Starboard-side to',
  'Mediterranean (end-on) mooring',
  'Mooring buoy',
  'Anchorage',
  'Reserved for future use',
  'Reserved for future use',
];
const ROUTE_TYPE_TEXT: readonly string[] = [
  'Undefined (default)',
  'Mandatory',
  'Recommended',
  'Alternative',
  'Recommended route through ice',
  'Ship route plan',
  ...Array<string>(25).fill('Reserved for future use.'),
  'Cancel route identified by message linkage',
];
const ID_TYPE_TEXT = ['mmsi', 'imo', 'callsign', 'other'];
const SIGNAL_TEXT: readonly string[] = [
  'N/A',
  'Serious emergency – stop or divert according to instructions.',
  'Vessels shall not proceed.',
  'Vessels may proceed. One way traffic.',
  'Vessels may proceed. Two way traffic.',
  'Vessels shall proceed on specific orders only.',
  'Vessels in main channel shall not proceed.',
  'Vessels in main channel shall proceed on specific orders only.',
  'Vessels in main channel shall proceed on specific orders only.',
  'I = "in-bound" only acceptable.',
  'O = "out-bound" only acceptable.',
  'F = both "in- and out-bound" acceptable.',
  'XI = Code will shift to "I" in due time.',
  'XO = Code will shift to "O" in due time.',
  'X = Vessels shall proceed only on direction.',
];
export const PRECIP_TYPE_TEXT = [
  'reserved',
  'rain',
  'thunderstorm',
  'freezing rain',
  'mixed/ice',
  'snow',
  'reserved',
  'N/A',
];
export const ICE_TEXT = ['no', 'yes', 'reserved', 'N/A'];

export function decodeType6Payload(bits: PayloadBits, message: AddressedBinary): boolean {
  const length = bits.bitLength;
  const m = message as Fields;
  switch (message.dac) {
    case 200:
      return decodeInlandAddressed(bits, m, message.fid, length);
    case 235:
    case 250:
      if (message.fid !== 10 || length !== 136) return false;
      m.off_pos = bits.bool(131);
      m.alarm = bits.bool(122);
      m.stat_ext = bits.uint(123, 8);
      m.ana_int = bits.uint(88, 10);
      m.ana_ext1 = bits.uint(98, 10);
      m.ana_ext2 = bits.uint(108, 10);
      m.racon = bits.uint(118, 2);
      m.racon_text = RACON_STATUS_TEXT[bits.uint(118, 2)];
      m.light = bits.uint(120, 2);
      m.light_text = LIGHT_STATUS_TEXT[bits.uint(120, 2)];
      return true;
    case 1:
      return decodeImoAddressed(bits, m, message.fid, length);
    default:
      return false;
  }
}

function inlandHeader(bits: PayloadBits, m: Fields): void {
  m.country = bits.text(88, 2);
  m.locode = bits.text(100, 3);
  m.section = bits.text(118, 5);
  m.terminal = bits.text(148, 5);
  m.hectometre = bits.text(178, 5);
  m.eta = `${bits.uint(208, 4)}-${bits.uint(212, 5)}T${bits.uint(217, 5)}:${bits.uint(222, 6)}`;
}

function decodeInlandAddressed(bits: PayloadBits, m: Fields, fid: number, length: number): boolean {
  switch (fid) {
    case 21:
      if (length !== 248) return false;
      inlandHeader(bits, m);
      m.tugs = bits.uint(228, 3);
      m.airdraught = bits.uint(231, 12);
      return true;
    case 22:
      if (length !== 232) return false;
      inlandHeader(bits, m);
      m.status = bits.uint(228, 2);
      m.status_text = RTA_STATUS_TEXT[bits.uint(228, 2)];
      return true;
    case 55:
      if (length !== 168) return false;
      m.crew = bits.uint(88, 8);
      m.passengers = bits.uint(96, 13);
      m.personnel = bits.uint(109, 8);
      return true;
    default:
      return false;
  }
}

function tidalWindow(bits: PayloadBits, m: Fields, elementBits: number, latFirst: boolean): void {
  m.month = bits.uint(88, 4);
  m.day = bits.uint(92, 5);
  const tidals: Fields[] = [];
  const posBits = latFirst ? [27, 28] : [25, 24];
  for (let at = 97; at <= bits.bitLength && tidals.length < 3; at += elementBits) {
    const first = bits.int(at, posBits[0]!);
    const second = bits.int(at + posBits[0]!, posBits[1]!);
    let p = at + posBits[0]! + posBits[1]!;
    const lon = latFirst ? second : first;
    const lat = latFirst ? first : second;
    const tidal: Fields = { lon, lat };
    tidal.from_hour = bits.uint(p, 5);
    tidal.from_min = bits.uint((p += 5), 6);
    tidal.to_hour = bits.uint((p += 6), 5);
    tidal.to_min = bits.uint((p += 5), 6);
    tidal.cdir = bits.uint((p += 6), 9);
    tidal.cspeed = bits.uint((p += 9), latFirst ? 7 : 8);
    tidals.push(tidal);
  }
  m.tidals = tidals;
}

function routeInfo(bits: PayloadBits, m: Fields, at: number): void {
  m.linkage = bits.uint(at, 10);
  m.sender = bits.uint(at + 10, 3);
  const rtype = bits.uint(at + 13, 5);
  m.rtype = rtype;
  m.rtype_text = ROUTE_TYPE_TEXT[rtype];
  m.start = monthDayTime(bits, at + 18);
  m.duration = bits.uint(at + 38, 18);
  const count = bits.uint(at + 56, 5);
  const waypoints: Fields[] = [];
  for (let i = 0, p = at + 61; i < count; i++, p += 55)
    waypoints.push({ lon: bits.int(p, 28), lat: bits.int(p + 28, 27) });
  m.waypoints = waypoints;
}

function decodeImoAddressed(bits: PayloadBits, m: Fields, fid: number, length: number): boolean {
  switch (fid) {
    case 12:
      m.lastport = bits.text(88, 5);
      m.departure = monthDayTime(bits, 118);
      m.nextport = bits.text(138, 5);
      m.eta = monthDayTime(bits, 168);
      m.dangerous = bits.text(188, 20);
      m.imdcat = bits.text(308, 4);
      m.unid = bits.uint(332, 13);
      m.amount = bits.uint(345, 10);
      m.unit = bits.uint(355, 2);
      return true;
    case 14:
      tidalWindow(bits, m, 93, true);
      return true;
    case 15:
      m.airdraught = bits.uint(56, 11);
      return true;
    case 16:
      m.persons = length - 88 === 136 ? bits.uint(88, 13) : bits.uint(55, 13);
      return true;
    case 18:
      m.linkage = bits.uint(88, 10);
      m.arrival = monthDayTime(bits, 98);
      m.portname = bits.text(118, 20);
      m.destination = bits.text(238, 5);
      m.lon = bits.int(268, 25);
      m.lat = bits.int(293, 24);
      return true;
    case 20: {
      m.linkage = bits.uint(88, 10);
      m.berth_length = bits.uint(98, 9);
      const position = bits.uint(115, 3);
      m.position = position;
      m.position_text = BERTH_POSITION_TEXT[position];
      m.arrival = `${bits.uint(118, 4)}-${bits.uint(122, 5)}T${bits.uint(127, 5)}:${bits.uint(132, 6)}`;
      m.availability = bits.uint(138, 1);
      const services = [
        'agent',
        'fuel',
        'chandler',
        'stevedore',
        'electrical',
        'water',
        'customs',
        'cartage',
        'crane',
        'lift',
        'medical',
        'navrepair',
        'provisions',
        'shiprepair',
        'surveyor',
        'steam',
        'tugs',
        'solidwaste',
        'liquidwaste',
        'hazardouswaste',
        'ballast',
        'additional',
        'regional1',
        'regional2',
        'future1',
        'future2',
      ];
      services.forEach((name, i) => (m[name] = bits.uint(139 + 2 * i, 2)));
      m.berth_name = bits.text(191, 20);
      m.berth_lon = bits.int(311, 25);
      m.berth_lat = bits.int(336, 24);
      m.berth_depth = bits.uint(107, 8);
      return true;
    }
    case 25: {
      m.unit = bits.uint(88, 2);
      m.amount = bits.uint(90, 10);
      const cargos: Fields[] = [];
      for (let at = 100; at < length && cargos.length < 28; at += 17)
        cargos.push({ code: bits.uint(at, 4), subtype: bits.uint(at + 4, 13) });
      m.cargos = cargos;
      return true;
    }
    case 28:
      routeInfo(bits, m, 88);
      return true;
    case 30:
      m.linkage = bits.uint(88, 10);
      m.text = bits.textToEnd(98, 153);
      return true;
    case 32:
      tidalWindow(bits, m, 88, false);
      return true;
    default:
      return false;
  }
}

export function decodeType8Payload(bits: PayloadBits, message: BinaryBroadcast): boolean {
  const m = message as Fields;
  if (message.dac === 1) return decodeImoBroadcast(bits, m, message.fid, bits.bitLength);
  if (message.dac === 200) return decodeInlandBroadcast(bits, m, message.fid, bits.bitLength);
  return false;
}

function decodeImoBroadcast(bits: PayloadBits, m: Fields, fid: number, length: number): boolean {
  switch (fid) {
    case 11: {
      m.lat = bits.int(56, 24);
      m.lon = bits.int(80, 25);
      m.timestamp = `${pad2(bits.uint(105, 5))}T${pad2(bits.uint(110, 5))}:${pad2(bits.uint(115, 6))}Z`;
      m.wspeed = bits.uint(121, 7);
      m.wgust = bits.uint(128, 7);
      m.wdir = bits.uint(135, 9);
      m.wgustdir = bits.uint(144, 9);
      m.humidity = bits.uint(164, 7);
      m.airtemp = bits.uint(153, 11);
      m.dewpoint = bits.uint(171, 10);
      m.pressure = bits.uint(181, 9);
      m.pressuretend = bits.uint(190, 2);
      m.visibility = bits.uint(192, 8);
      m.waterlevel = bits.uint(200, 9);
      m.leveltrend = bits.uint(209, 2);
      m.cspeed = bits.uint(211, 8);
      m.cdir = bits.uint(219, 9);
      m.cspeed2 = bits.uint(228, 8);
      m.cdir2 = bits.uint(236, 9);
      m.cdepth2 = bits.uint(245, 5);
      m.cspeed3 = bits.uint(250, 8);
      m.cdir3 = bits.uint(258, 9);
      m.cdepth3 = bits.uint(267, 5);
      m.waveheight = bits.uint(272, 8);
      m.waveperiod = bits.uint(280, 6);
      m.wavedir = bits.uint(286, 9);
      m.swellheight = bits.uint(295, 8);
      m.swellperiod = bits.uint(303, 6);
      m.swelldir = bits.uint(309, 9);
      m.seastate = bits.uint(318, 4);
      m.watertemp = bits.uint(322, 10);
      m.preciptype = bits.uint(332, 3);
      m.preciptype_text = PRECIP_TYPE_TEXT[bits.uint(332, 3)];
      m.salinity = bits.uint(335, 9);
      m.ice = bits.uint(344, 2);
      m.ice_text = ICE_TEXT[bits.uint(344, 2)];
      return true;
    }
    case 13:
      m.reason = bits.text(56, 20);
      m.closefrom = bits.text(176, 20);
      m.closeto = bits.text(296, 20);
      m.radius = bits.uint(416, 10);
      m.extunit = bits.uint(426, 2);
      m.from = `${pad2(bits.uint(433, 4))}-${pad2(bits.uint(428, 5))}T${pad2(bits.uint(437, 5))}:${pad2(bits.uint(442, 6))}`;
      m.to = `${pad2(bits.uint(453, 4))}-${pad2(bits.uint(448, 5))}T${pad2(bits.uint(457, 5))}:${pad2(bits.uint(462, 6))}`;
      return true;
    case 15:
      m.airdraught = bits.uint(56, 11);
      return true;
    case 16:
      if (length - 56 === 136) m.persons = bits.uint(88, 13);
      else if (length - 56 === 72) m.persons = bits.uint(55, 13);
      else return false;
      return true;
    case 17: {
      const targets: Fields[] = [];
      for (let at = 56; at <= length && targets.length < 4; at += 122) {
        const idtype = bits.uint(at, 2);
        const target: Fields = { idtype, idtype_text: ID_TYPE_TEXT[idtype] };
        target[ID_TYPE_TEXT[idtype]!] =
          idtype < 2 ? String(bits.uint(at + 2, 42) % 2 ** 32) : bits.text(at + 2, 7);
        target.lat = bits.int(at + 48, 24);
        target.lon = bits.int(at + 72, 25);
        target.course = bits.uint(at + 97, 9);
        target.second = bits.uint(at + 106, 6);
        target.speed = bits.uint(at + 112, 10);
        targets.push(target);
      }
      m.targets = targets;
      return true;
    }
    case 19:
      m.linkage = bits.uint(56, 10);
      m.station = bits.text(66, 20);
      m.lon = bits.int(186, 25);
      m.lat = bits.int(211, 24);
      m.status = bits.uint(235, 2);
      m.signal = bits.uint(237, 5);
      m.signal_text = SIGNAL_TEXT[bits.uint(237, 5)] ?? 'INVALID SIGNAL TYPE';
      m.hour = bits.uint(242, 5);
      m.minute = bits.uint(247, 6);
      m.nextsignal = bits.uint(253, 5);
      m.nextsignal_text = SIGNAL_TEXT[bits.uint(253, 5)] ?? 'INVALID SIGNAL TYPE';
      return true;
    case 27:
      routeInfo(bits, m, 56);
      return true;
    case 29:
      m.linkage = bits.uint(56, 10);
      m.text = bits.textToEnd(66, 161);
      return true;
    case 31:
      m.lat = bits.int(81, 24);
      m.lon = bits.int(56, 25);
      m.accuracy = bits.bool(105);
      m.timestamp = `${pad2(bits.uint(106, 5))}T${pad2(bits.uint(111, 5))}:${pad2(bits.uint(116, 6))}Z`;
      m.wspeed = bits.uint(122, 7);
      m.wgust = bits.uint(129, 7);
      m.wdir = bits.uint(136, 9);
      m.wgustdir = bits.uint(145, 9);
      m.humidity = bits.uint(165, 7);
      m.airtemp = bits.int(154, 11);
      m.dewpoint = bits.int(172, 10);
      m.pressure = bits.uint(182, 9);
      m.pressuretend = bits.uint(191, 2);
      m.visgreater = bits.bool(193);
      m.visibility = bits.uint(194, 7);
      m.waterlevel = bits.uint(201, 12);
      m.leveltrend = bits.uint(213, 2);
      m.cspeed = bits.uint(215, 8);
      m.cdir = bits.uint(223, 9);
      m.cspeed2 = bits.uint(232, 8);
      m.cdir2 = bits.uint(240, 9);
      m.cdepth2 = bits.uint(249, 5);
      m.cspeed3 = bits.uint(254, 8);
      m.cdir3 = bits.uint(262, 9);
      m.cdepth3 = bits.uint(271, 5);
      m.waveheight = bits.uint(276, 8);
      m.waveperiod = bits.uint(284, 6);
      m.wavedir = bits.uint(290, 9);
      m.swellheight = bits.uint(299, 8);
      m.swellperiod = bits.uint(307, 6);
      m.swelldir = bits.uint(313, 9);
      m.seastate = bits.uint(322, 4);
      m.watertemp = bits.int(326, 10);
      m.preciptype = bits.uint(336, 3);
      m.salinity = bits.uint(339, 9);
      m.ice = bits.uint(348, 2);
      return true;
    default:
      return false;
  }
}

const INLAND_SHIP_TYPES: ReadonlyArray<readonly [number, number, string]> = [
  [8000, 99, 'Vessel, type unknown'],
  [8010, 79, 'Motor freighter'],
  [8020, 89, 'Motor tanker'],
  [8021, 80, 'Motor tanker, liquid cargo, type N'],
  [8022, 80, 'Motor tanker, liquid cargo, type C'],
  [8023, 89, 'Motor tanker, dry cargo as if liquid (e.g. cement)'],
  [8030, 79, 'Container vessel'],
  [8040, 80, 'Gas tanker'],
  [8050, 79, 'Motor freighter, tug'],
  [8060, 89, 'Motor tanker, tug'],
  [8070, 79, 'Motor freighter with one or more ships alongside'],
  [8080, 89, 'Motor freighter with tanker'],
  [8090, 79, 'Motor freighter pushing one or more freighters'],
  [8100, 89, 'Motor freighter pushing at least one tank-ship'],
  [8110, 79, 'Tug, freighter'],
  [8120, 89, 'Tug, tanker'],
  [8130, 31, 'Tug freighter, coupled'],
  [8140, 31, 'Tug, freighter/tanker, coupled'],
  [8150, 99, 'Freightbarge'],
  [8160, 99, 'Tankbarge'],
  [8161, 90, 'Tankbarge, liquid cargo, type N'],
  [8162, 90, 'Tankbarge, liquid cargo, type C'],
  [8163, 99, 'Tankbarge, dry cargo as if liquid (e.g. cement)'],
  [8170, 99, 'Freightbarge with containers'],
  [8180, 90, 'Tankbarge, gas'],
  [8210, 79, 'Pushtow, one cargo barge'],
  [8220, 79, 'Pushtow, two cargo barges'],
  [8230, 79, 'Pushtow, three cargo barges'],
  [8240, 79, 'Pushtow, four cargo barges'],
  [8250, 79, 'Pushtow, five cargo barges'],
  [8260, 79, 'Pushtow, six cargo barges'],
  [8270, 79, 'Pushtow, seven cargo barges'],
  [8280, 79, 'Pushtow, eigth cargo barges'],
  [8290, 79, 'Pushtow, nine or more barges'],
  [8310, 80, 'Pushtow, one tank/gas barge'],
  [8320, 80, 'Pushtow, two barges at least one tanker or gas barge'],
  [8330, 80, 'Pushtow, three barges at least one tanker or gas barge'],
  [8340, 80, 'Pushtow, four barges at least one tanker or gas barge'],
  [8350, 80, 'Pushtow, five barges at least one tanker or gas barge'],
  [8360, 80, 'Pushtow, six barges at least one tanker or gas barge'],
  [8370, 80, 'Pushtow, seven barges at least one tanker or gas barg'],
];
const HAZARD_TEXT = [
  '0 blue cones/lights',
  '1 blue cone/light',
  '2 blue cones/lights',
  '3 blue cones/lights',
  '4 B-Flag',
  'Unknown',
];
const LOADED_TEXT = ['N/A (default)', 'Unloaded', 'Loaded'];
const DIRECTION_TEXT = ['Unknown', 'Upstream', 'Downstream', 'To left bank', 'To right bank'];
const SIGNAL_STATUS_TEXT = [
  'Unknown',
  'No light',
  'White',
  'Yellow',
  'Green',
  'Red',
  'White flashing',
  'Yellow flashing.',
];

function decodeInlandBroadcast(bits: PayloadBits, m: Fields, fid: number, length: number): boolean {
  switch (fid) {
    case 10: {
      if (length !== 168) return false;
      const hazard = bits.uint(141, 3);
      if (hazard > 5) return false;
      const shiptype = bits.uint(127, 14);
      const known = INLAND_SHIP_TYPES.find(([code, ais]) => code === shiptype || ais === shiptype);
      const loaded = bits.uint(155, 2);
      m.vin = bits.text(56, 8);
      m.length = bits.uint(104, 13);
      m.beam = bits.uint(117, 10);
      m.shiptype = shiptype;
      m.shiptype_text = known?.[2] ?? 'Illegal ship type value.';
      m.hazard = hazard;
      m.hazard_text = HAZARD_TEXT[hazard];
      m.draught = bits.uint(144, 11);
      m.loaded = loaded;
      m.loaded_text = LOADED_TEXT[loaded] ?? 'INVALID LOAD STATUS';
      m.speed_q = bits.bool(157);
      m.course_q = bits.bool(158);
      m.heading_q = bits.bool(159);
      return true;
    }
    case 40: {
      if (length !== 168) return false;
      const direction = bits.uint(124, 3);
      const status = bits.uint(127, 30);
      m.lon = bits.int(56, 28);
      m.lat = bits.int(84, 27);
      m.form = bits.uint(111, 4);
      m.facing = bits.uint(115, 9);
      m.direction = direction;
      m.direction_text = DIRECTION_TEXT[direction] ?? 'INVALID DIRECTION';
      m.status = status;
      m.status_text = SIGNAL_STATUS_TEXT[status] ?? 'INVALID STATUS';
      return true;
    }
    default:
      // 200/23 (EMMA warning) and 200/24 (water levels) are printed by gpsd 3.22 as invalid JSON (a duplicate
      // "class" key, a missing comma): Lookout keeps them as raw data, see README.
      return false;
  }
}
