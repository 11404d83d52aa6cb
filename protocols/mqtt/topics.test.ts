import { describe, expect, it } from 'vitest';
import { isCloudToEdgeTopic, parseEdgeTopic, topics } from './topics.js';

describe('topic tree', () => {
  it('round-trips every edge topic through the parser', () => {
    expect(parseEdgeTopic(topics.vesselPositions('tower-7'))).toEqual({
      edgeId: 'tower-7',
      kind: 'vessels/positions',
    });
    expect(parseEdgeTopic(topics.edgeStatus('e1'))).toEqual({ edgeId: 'e1', kind: 'status' });
    expect(parseEdgeTopic(topics.cameraStatus('e1', 'cam-2'))).toEqual({
      edgeId: 'e1',
      kind: 'cameras/status',
      cameraId: 'cam-2',
    });
  });

  it('tells the cloud-only desired settings from the edge-published reported settings', () => {
    expect(parseEdgeTopic(topics.cameraSettingsReported('e1', 'cam-2'))).toEqual({
      edgeId: 'e1',
      kind: 'cameras/settings/reported',
      cameraId: 'cam-2',
    });
    expect(parseEdgeTopic(topics.cameraSettingsDesired('e1', 'cam-2'))).toBeUndefined();
    expect(isCloudToEdgeTopic(topics.cameraSettingsDesired('e1', 'cam-2'))).toBe(true);
    expect(isCloudToEdgeTopic(topics.cameraSettingsReported('e1', 'cam-2'))).toBe(false);
    expect(isCloudToEdgeTopic(topics.cameraStatus('e1', 'cam-2'))).toBe(false);
  });

  it('rejects foreign topics and ids that would break the tree', () => {
    expect(parseEdgeTopic('lookout/v2/edge/e1/status')).toBeUndefined();
    expect(parseEdgeTopic('lookout/v1/edge/e1/unknown')).toBeUndefined();
    expect(() => topics.edgeStatus('a/b')).toThrow(/invalid edge id/);
    expect(() => topics.edgeStatus('+')).toThrow(/invalid edge id/);
  });
});
