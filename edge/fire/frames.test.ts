import { describe, expect, it } from 'vitest';
import { guessSourceKind, redactCredentials } from './frames.js';

describe('frames', () => {
  it('hides credentials of camera URLs in messages (they reach logs and MQTT)', () => {
    expect(
      redactCredentials('rtsp://admin:s3cr%40t@10.0.0.5:554/sub: Server returned 401 Unauthorized'),
    ).toBe('rtsp://***@10.0.0.5:554/sub: Server returned 401 Unauthorized');
    expect(redactCredentials('http://user@cam/snapshot.jpg and https://a:b@c/d')).toBe(
      'http://***@cam/snapshot.jpg and https://***@c/d',
    );
    expect(redactCredentials('/videos/fire.mp4: No such file')).toBe('/videos/fire.mp4: No such file');
  });

  it('guesses the source kind from the URL', () => {
    expect(guessSourceKind('rtsp://cam/stream')).toBe('rtsp');
    expect(guessSourceKind('http://cam/cgi-bin/snapshot.cgi')).toBe('snapshot');
    expect(guessSourceKind('http://cam/image.jpg?channel=1')).toBe('snapshot');
    expect(guessSourceKind('http://cam/video.mjpg')).toBe('mjpeg');
    expect(guessSourceKind('/data/replay.mp4')).toBe('file');
  });
});
