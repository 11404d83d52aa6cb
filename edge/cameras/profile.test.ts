import { describe, expect, it } from 'vitest';
import { classifyOnvifError } from './onvif-client.js';
import { chooseDetectionProfile, withCredentials, withoutCredentials } from './profile.js';

const profile = (
  token: string,
  width?: number,
  height?: number,
  streamUri: string | undefined = `rtsp://h/${token}`,
) => ({ token, width, height, streamUri });

describe('chooseDetectionProfile', () => {
  const profiles = [profile('main', 1920, 1080), profile('sub', 640, 360), profile('third', 320, 180)];

  it('takes the stream whose long side is nearest the model input size', () => {
    expect(chooseDetectionProfile(profiles, 320)!.token).toBe('third');
    expect(chooseDetectionProfile(profiles, 640)!.token).toBe('sub');
    expect(chooseDetectionProfile(profiles, 1024)!.token).toBe('sub');
    expect(chooseDetectionProfile(profiles, 1600)!.token).toBe('main');
  });

  it('skips profiles without a stream URI, puts unknown resolutions last, honours a configured token', () => {
    expect(
      chooseDetectionProfile([{ token: 'a', width: 320, height: 180 }, profile('b', 1920, 1080)], 320)!.token,
    ).toBe('b');
    expect(chooseDetectionProfile([profile('x'), profile('b', 1920, 1080)], 320)!.token).toBe('b');
    expect(chooseDetectionProfile(profiles, 320, 'main')!.token).toBe('main');
    expect(chooseDetectionProfile(profiles, 320, 'nope')).toBeUndefined();
    expect(chooseDetectionProfile([], 320)).toBeUndefined();
  });
});

describe('credentials in URLs', () => {
  it('puts them in, escaped, and takes them out', () => {
    const url = withCredentials('rtsp://10.0.0.5:554/Streaming/Channels/102', 'admin', 'p@ss:w/rd');
    expect(url).toBe('rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.5:554/Streaming/Channels/102');
    expect(withoutCredentials(url)).toBe('rtsp://10.0.0.5:554/Streaming/Channels/102');
    expect(withCredentials('/data/video.mp4', 'a', 'b')).toBe('/data/video.mp4');
  });
});

describe('classifyOnvifError', () => {
  it.each([
    ['Failed to initialize the device: Error: 400 Bad Request - Sender not Authorized', 'unauthorized'],
    ['Failed to initialize the device: Error: 401 Unauthorized', 'unauthorized'],
    [
      'Failed to initialize the device: Error: Network Error: connect ECONNREFUSED 127.0.0.1:1',
      'unreachable',
    ],
    ['Failed to initialize the device: Error: Network Error: socket hang up', 'unreachable'],
    ['Failed to initialize the device: Error: Unclosed root tag Line: 0', 'malformed'],
    [
      "Failed to initialize the device: TypeError: Cannot read properties of undefined (reading 'Width')",
      'malformed',
    ],
  ])('%s -> %s', (message, kind) => {
    expect(classifyOnvifError(message)).toBe(kind);
  });
});
