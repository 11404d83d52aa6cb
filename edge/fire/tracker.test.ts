import { describe, expect, it } from 'vitest';
import type { FrameDetection } from './detector.js';
import { FireTracker, defaultConfirmation, type AlertEvent, type ConfirmationConfig } from './tracker.js';

const fire = (score: number, x = 0.5, y = 0.5, size = 0.05): FrameDetection => ({
  className: 'fire',
  classId: 0,
  score,
  box: { x1: x - size, y1: y - size, x2: x + size, y2: y + size },
});

/** Runs frames at 1 fps; `frames[i]` is the list of detections at second i. */
function run(frames: FrameDetection[][], config: Partial<ConfirmationConfig> = {}): AlertEvent[] {
  const tracker = new FireTracker('cam1', {
    ...defaultConfirmation,
    updateIntervalS: 10,
    endAfterS: 5,
    ...config,
  });
  return frames.flatMap((dets, i) => tracker.push(i * 1000, i, tracker.filter(dets)));
}

describe('FireTracker', () => {
  it('confirms a place after enough overlapping hits in the window: one `new`, with the first frame that showed it', () => {
    const frames = [[], [], [fire(0.5)], [fire(0.3, 0.51)], [], [fire(0.6, 0.52)], [fire(0.6)], [fire(0.6)]];
    const events = run(frames);
    expect(events.map((e) => [e.kind, e.frame])).toEqual([['new', 5]]);
    expect(events[0]!.firstSeenFrame).toBe(2);
    expect(events[0]!.firstSeenMs).toBe(2000);
    expect(events[0]!.confidence).toBeCloseTo(0.6);
  });

  it('never confirms isolated blips or weak detections', () => {
    expect(run([[fire(0.9)], [], [], [fire(0.9)], [], [], [fire(0.9)], [], []])).toEqual([]);
    expect(run(Array.from({ length: 20 }, () => [fire(0.2)]))).toEqual([]); // 5 x 0.2 = 1.0 < 1.2
  });

  it('confirms only on detections anchored to a change in the view; once confirmed, unanchored ones keep it alive', () => {
    const still = (score: number): FrameDetection => ({ ...fire(score), anchored: false });
    expect(run(Array.from({ length: 20 }, () => [still(0.9)]))).toEqual([]); // the sun, all day long
    const frames = [
      [still(0.9)],
      [still(0.9)],
      [fire(0.6)],
      [fire(0.6)],
      [fire(0.6)],
      ...Array.from({ length: 8 }, () => [still(0.9)]),
    ];
    // no `end` after endAfterS (5 s): the unanchored detections kept it alive
    expect(run(frames).map((e) => [e.kind, e.frame])).toEqual([['new', 4]]);
  });

  it('an alert shows the anchored boxes of its place, not an unanchored look-alike touching it', () => {
    const plume = (score: number) => fire(score, 0.5, 0.5, 0.05);
    const cloud: FrameDetection = { ...fire(0.9, 0.58, 0.5, 0.05), anchored: false };
    const events = run([
      [plume(0.6), cloud],
      [plume(0.6), cloud],
      [plume(0.6), cloud],
    ]);
    expect(events.map((e) => e.kind)).toEqual(['new']);
    expect(events[0]!.boxes).toEqual([{ box: plume(0.6).box, score: 0.6, className: 'fire' }]);
  });

  it('dates an alert from its first anchored detection, not from a look-alike that was there before at the same place', () => {
    const cloud: FrameDetection = { ...fire(0.5), anchored: false };
    const events = run([[cloud], [cloud], [cloud], [fire(0.6)], [fire(0.6)], [fire(0.6)]]);
    expect(events.map((e) => [e.kind, e.frame, e.firstSeenFrame, e.firstSeenMs])).toEqual([
      ['new', 5, 3, 3000],
    ]);
  });

  it('does not mix places: hits spread over distant boxes do not add up', () => {
    const frames = [
      [fire(0.5, 0.1, 0.1)],
      [fire(0.5, 0.9, 0.9)],
      [fire(0.5, 0.1, 0.9)],
      [fire(0.5, 0.9, 0.1)],
      [fire(0.5, 0.5, 0.5)],
    ];
    expect(run(frames)).toEqual([]);
  });

  it('updates at most every updateIntervalS while it lasts, sooner when it grows, and ends after endAfterS without it', () => {
    const frames: FrameDetection[][] = [];
    for (let i = 0; i < 25; i++) frames.push([fire(0.7)]);
    frames.push([fire(0.7, 0.5, 0.5, 0.1)]); // grows: area x4
    for (let i = 0; i < 10; i++) frames.push([]);
    const events = run(frames);
    expect(events.map((e) => [e.kind, e.frame])).toEqual([
      ['new', 2],
      ['update', 12],
      ['update', 22],
      ['update', 25],
      ['end', 30],
    ]);
    expect(new Set(events.map((e) => e.alertId)).size).toBe(1);
    expect(events.at(-1)!.lastSeenMs).toBe(25_000);
  });

  it('a lower keep-alive threshold carries an ongoing event over weak frames', () => {
    const frames = [[fire(0.6)], [fire(0.6)], [fire(0.6)], ...Array.from({ length: 8 }, () => [fire(0.15)])];
    expect(run(frames).map((e) => e.kind)).toEqual(['new']);
  });

  it('fire and the smoke rising from it are one place: one alert, boxes of both classes', () => {
    const smoke = (score: number): FrameDetection => ({
      className: 'smoke',
      classId: 1,
      score,
      box: { x1: 0.4, y1: 0.1, x2: 0.6, y2: 0.44 },
    });
    const events = run(Array.from({ length: 6 }, () => [fire(0.5), smoke(0.8)]));
    expect(events.map((e) => e.kind)).toEqual(['new']);
    expect(events[0]!.className).toBe('smoke');
    expect(events[0]!.boxes.map((b) => b.className).sort()).toEqual(['fire', 'smoke']);
  });

  it('drops detections inside ignore masks and boxes larger than maxBoxArea', () => {
    const masked = Array.from({ length: 6 }, () => [fire(0.9, 0.2, 0.8)]);
    expect(run(masked, { ignoreMasks: [{ x1: 0, y1: 0.6, x2: 0.4, y2: 1 }] })).toEqual([]);
    const huge = Array.from({ length: 6 }, () => [fire(0.9, 0.5, 0.5, 0.45)]);
    expect(run(huge, { maxBoxArea: 0.5 })).toEqual([]);
    expect(run(huge, { maxBoxArea: 0.9 }).map((e) => e.kind)).toEqual(['new']);
  });
});
