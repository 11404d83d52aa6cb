import { describe, expect, it } from 'vitest';
import type { Alarm } from '../../protocols/api/alarms.js';
import { alarmAsAt } from './situation.js';

const alarm: Alarm = {
  id: 'a1',
  originator: 'vessel:574000101',
  type: 'closed_area',
  severity: 'MAJOR',
  status: 'CLEARED_ACK',
  startTs: 1000,
  lastTs: 5000,
  createdAt: 1500,
  updatedAt: 9000,
  count: 4,
  ackTs: 4000,
  ackBy: 'officer.lan',
  clearTs: 9000,
  clearBy: 'officer.minh',
  details: { zoneId: 'hon-khoai' },
};

describe('alarmAsAt', () => {
  it('is not active before its condition started nor once cleared', () => {
    expect(alarmAsAt(alarm, 999)).toBeUndefined();
    expect(alarmAsAt(alarm, 9000)).toBeUndefined();
  });

  it('takes back an acknowledgement and a clearing that came later', () => {
    expect(alarmAsAt(alarm, 2000)).toEqual({
      ...alarm,
      status: 'ACTIVE_UNACK',
      lastTs: 2000,
      ackTs: undefined,
      ackBy: undefined,
      clearTs: undefined,
      clearBy: undefined,
    });
    const acked = alarmAsAt(alarm, 4000)!;
    expect(acked).toMatchObject({ status: 'ACTIVE_ACK', ackBy: 'officer.lan', ackTs: 4000, lastTs: 4000 });
    expect(acked).not.toHaveProperty('clearTs');
    expect(
      alarmAsAt({ ...alarm, status: 'ACTIVE_ACK', clearTs: undefined, clearBy: undefined }, 8000),
    ).toMatchObject({ status: 'ACTIVE_ACK', lastTs: 5000 });
  });
});
