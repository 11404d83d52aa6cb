import { describe, expect, it } from 'vitest';
import type { Alarm, AlarmChangeMessage } from '../../protocols/api/alarms.js';
import type { WebhookConfig } from './config.js';
import {
  describeAlarm,
  describeReports,
  requestBody,
  toNotification,
  toReportNotification,
} from './format.js';

const crossing: Alarm = {
  id: 'b1',
  originator: 'vessel:574000104',
  type: 'boundary_crossing',
  severity: 'MAJOR',
  status: 'ACTIVE_UNACK',
  startTs: Date.UTC(2026, 11, 3, 7, 5, 0),
  lastTs: Date.UTC(2026, 11, 3, 7, 5, 0),
  createdAt: Date.UTC(2026, 11, 3, 7, 5, 0),
  updatedAt: Date.UTC(2026, 11, 3, 7, 5, 0),
  count: 1,
  details: {
    mmsi: 574000104,
    name: 'Phuoc Loc 04',
    direction: 'ENT',
    zoneId: 'ca-mau-offshore-test-zone',
    lat: 8.625,
    lon: 104.71667,
  },
};
const zoneName = (id: string) =>
  id === 'ca-mau-offshore-test-zone' ? 'Vùng khơi thử nghiệm Cà Mau' : undefined;
const change = (alarm: Alarm, kind: AlarmChangeMessage['kind'] = 'created'): AlarmChangeMessage => ({
  kind,
  alarm,
});

describe('alarm texts for rangers and officers', () => {
  it('speak Vietnamese by default: zone by name, Vietnam time with its offset, coordinates as officers write them', () => {
    expect(describeAlarm(change(crossing), { zoneName })).toBe(
      '[NGHIÊM TRỌNG] Vượt ranh giới: Phuoc Loc 04, MMSI 574000104 - đi vào, vùng Vùng khơi thử nghiệm Cà Mau, tại 8°37′30″ B, 104°43′00″ Đ - từ 14:05 03/12/2026 (GMT+7)',
    );
  });

  it('speak English to a target configured with lang: en, and say who acknowledged', () => {
    const acked = { ...crossing, status: 'ACTIVE_ACK' as const, ackBy: 'Officer Lan' };
    expect(describeAlarm(change(acked, 'acknowledged'), { lang: 'en', zoneName })).toBe(
      'acknowledged: [MAJOR] Boundary crossing: Phuoc Loc 04, MMSI 574000104 - entered, zone Vùng khơi thử nghiệm Cà Mau, at 8°37′30″ N, 104°43′00″ E - since 14:05 03/12/2026 (GMT+7) by Officer Lan',
    );
  });

  it('fall back to the zone id when no name is known, and to the type for an unknown alarm type', () => {
    const text = describeAlarm(change({ ...crossing, type: 'new_rule', details: { zoneId: 'z-9' } }));
    expect(text).toBe(
      '[NGHIÊM TRỌNG] new_rule: tàu chưa đăng ký, MMSI 574000104 - vùng z-9 - từ 14:05 03/12/2026 (GMT+7)',
    );
  });

  it('say who judged a fire alarm and what, and why a camera or a station is dark or back', () => {
    const fire: Alarm = {
      ...crossing,
      originator: 'camera:edge-1/cam-2',
      type: 'fire',
      severity: 'CRITICAL',
      details: { className: 'smoke', confidence: 0.8 },
      triage: { label: 'other_smoke', by: 'ranger.hoa', note: 'đốt đồng', ts: 1 },
    };
    expect(describeAlarm(change(fire, 'triaged'))).toBe(
      'đã đánh giá: [KHẨN CẤP] Cháy / khói: camera edge-1/cam-2 - khói 80 % - từ 14:05 03/12/2026 (GMT+7) - ranger.hoa kết luận: Khói khác (đốt đồng, nấu ăn, nhà máy) (đốt đồng)',
    );
    const dark: Alarm = {
      ...crossing,
      originator: 'edge:edge-1',
      type: 'edge_offline',
      details: { reason: 'lost', since: 1, lastSeen: 1 },
    };
    expect(describeAlarm(change(dark), { lang: 'en' })).toBe(
      '[MAJOR] Station offline: station edge-1 - connection lost - since 14:05 03/12/2026 (GMT+7)',
    );
    const back: Alarm = {
      ...dark,
      originator: 'camera:edge-1/cam-2',
      type: 'camera_offline',
      status: 'CLEARED_UNACK',
      clearBy: 'lookout',
      details: { silentForS: 400, backAt: 2 },
    };
    expect(describeAlarm(change(back, 'cleared'))).toBe(
      'đã đóng: [NGHIÊM TRỌNG] Camera mất hình: camera edge-1/cam-2 - không có hình 7 phút, đã hoạt động lại - từ 14:05 03/12/2026 (GMT+7)',
    );
  });
});

describe('fire alarm texts say where the fire is', () => {
  const fire: Alarm = {
    ...crossing,
    id: 'f1',
    originator: 'camera:edge-u-minh/tower-3',
    type: 'fire',
    severity: 'CRITICAL',
    details: {
      alertId: 'tower-3-1',
      className: 'smoke',
      confidence: 0.77,
      cameraName: 'Tháp Vồ Dơi',
      bearingToFireDeg: 46.6,
      locatedBy: 2,
      lat: 9.262,
      lon: 104.955,
      errorM: 340,
      distanceM: 3420,
      placeArea: 'Tiểu khu 11',
      nearPlace: 'Trạm kiểm lâm Vồ Dơi',
      nearPlaceDistanceM: 450,
      nearPlaceBearingDeg: 40,
    },
  };

  it('in Vietnamese: point, error, cameras, compartment, nearest place, bearing and distance from the tower', () => {
    expect(describeAlarm(change(fire))).toBe(
      '[KHẨN CẤP] Cháy / khói: camera Tháp Vồ Dơi (edge-u-minh/tower-3) - khói 77 %, tại 9°15′43″ B, 104°57′18″ Đ (sai số ± 340 m), 2 camera cùng thấy, trong Tiểu khu 11, cách Trạm kiểm lâm Vồ Dơi 450 m về phía đông bắc, hướng 47°, cách camera 3,4 km - từ 14:05 03/12/2026 (GMT+7)',
    );
  });

  it('in English, and with one camera the bearing and the range it watches', () => {
    const single = {
      ...fire,
      details: { className: 'fire', confidence: 0.6, bearingToFireDeg: 205, rangeM: 15_000, locatedBy: 1 },
    };
    expect(describeAlarm(change(single), { lang: 'en' })).toBe(
      '[CRITICAL] Fire / smoke: camera edge-u-minh/tower-3 - fire 60 %, bearing 205° from the camera, within 15 km - since 14:05 03/12/2026 (GMT+7)',
    );
  });

  it('links the point to a map app and to OpenStreetMap, and the alarm to the alert page', () => {
    const notification = toNotification(change(fire), 'https://lookout.example.vn/');
    expect(notification.geoUri).toBe('geo:9.262000,104.955000?q=9.262000,104.955000');
    expect(notification.mapUrl).toBe(
      'https://www.openstreetmap.org/?mlat=9.262000&mlon=104.955000#map=15/9.26200/104.95500',
    );
    expect(notification.link).toBe('https://lookout.example.vn/#/fire/tower-3-1');
    const body = JSON.parse(requestBody({ format: 'slack' } as WebhookConfig, notification)) as {
      text: string;
    };
    expect(body.text.split('\n')).toEqual([
      notification.text,
      notification.mapUrl,
      notification.geoUri,
      notification.link,
    ]);
  });
});

describe('the scheduled reports announced', () => {
  const written = {
    day: '2026-05-31',
    folder: '/srv/bao-cao/2026-05-31',
    files: ['bao-cao-96-day-2026-05-31.xlsx', 'bao-cao-96-week-2026-05-25.xlsx'],
    reports: (['day', 'week'] as const).map((period) => ({
      period,
      first: period === 'day' ? '2026-05-31' : '2026-05-25',
      last: '2026-05-31',
      scope: { code: '96', name: 'Cà Mau' },
      totals: {
        registered: 300,
        atSea: 120,
        inPort: 170,
        noPosition: 2,
        silentOver6h: 5,
        silentOver10d: 1,
        inViolation: 3,
        licenceExpired: 14,
        withoutLicence: 15,
        withoutVms: 8,
        openCases: 4,
      },
      departures: 40,
      arrivals: 38,
      departuresWithoutLicence: 1,
      violations: 6,
    })),
  };

  it('name the totals and the files in Vietnamese, and in English for an English webhook', () => {
    expect(describeReports(written).split('\n')).toEqual([
      'Báo cáo tàu cá theo ngày 31/05/2026 (Cà Mau): 300 tàu đăng ký, 120 trên biển, 170 trong cảng, 5 mất kết nối > 6 giờ, 1 mất kết nối > 10 ngày, 3 đang vi phạm, 14 giấy phép hết hạn, 8 chưa lắp VMS; 40 lượt xuất bến, 38 lượt cập bến.',
      'Báo cáo tàu cá theo tuần 25/05/2026 – 31/05/2026 (Cà Mau): 300 tàu đăng ký, 120 trên biển, 170 trong cảng, 5 mất kết nối > 6 giờ, 1 mất kết nối > 10 ngày, 3 đang vi phạm, 14 giấy phép hết hạn, 8 chưa lắp VMS; 40 lượt xuất bến, 38 lượt cập bến.',
      '2 tệp trong /srv/bao-cao/2026-05-31: bao-cao-96-day-2026-05-31.xlsx, bao-cao-96-week-2026-05-25.xlsx',
    ]);
    const english = toReportNotification(written, 'https://lookout.example.vn/', 'en');
    expect(english).toMatchObject({
      id: 'reports:2026-05-31',
      kind: 'reports',
      link: 'https://lookout.example.vn/#/office',
    });
    expect(english.text).toMatch(
      /^Fishing fleet report by day 31\/05\/2026 \(Cà Mau\): 300 registered vessels/,
    );
  });
});
