import { describe, expect, it } from 'vitest';
import {
  formatSetReport,
  matchImage,
  parseNameList,
  parseYoloLabels,
  ratio,
  setNameCandidates,
  sniffImage,
  summarise,
  type ImageResult,
  type Truth,
} from './evaluate.js';

const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });

describe('parseYoloLabels', () => {
  it('turns normalised centre boxes into corners with class names, skipping blank lines', () => {
    const { boxes, problems } = parseYoloLabels('0 0.5 0.5 0.2 0.4\n\n1 0.1 0.1 0.2 0.2\n', [
      'smoke',
      'fire',
    ]);
    expect(problems).toEqual([]);
    expect(boxes).toHaveLength(2);
    expect(boxes[0]!.className).toBe('smoke');
    expect(boxes[0]!.line).toBe(1);
    expect(boxes[0]!.box.x1).toBeCloseTo(0.4);
    expect(boxes[0]!.box.y2).toBeCloseTo(0.7);
    // Clipped to the image.
    expect(boxes[1]).toMatchObject({ className: 'fire', line: 3, box: { x1: 0, y1: 0 } });
    expect(boxes[1]!.box.x2).toBeCloseTo(0.2);
  });

  it('reports malformed lines with their number and keeps the valid ones', () => {
    const { boxes, problems } = parseYoloLabels(
      '0 0.5 0.5 0.2\n2 0.5 0.5 0.1 0.1\nx 0.5 0.5 0.1 0.1\n0 0.5 abc 0.1 0.1\n0 1.5 0.5 0.1 0.1\n0 0.3 0.3 0.1 0.1',
      ['smoke', 'fire'],
    );
    expect(boxes.map((b) => b.line)).toEqual([6]);
    expect(problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5]);
    expect(problems[0]!.message).toMatch(/expected 5 fields/);
    expect(problems[1]!.message).toMatch(/class id 2 has no name/);
  });

  it('accepts long floats and CRLF', () => {
    expect(parseYoloLabels('0 0.5 0.5 0.041575799999999996 0.1\r\n', ['smoke']).boxes).toHaveLength(1);
  });
});

describe('sniffImage', () => {
  it('knows JPEG and PNG by content, not by name', () => {
    expect(sniffImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('png');
    expect(sniffImage(new Uint8Array([]))).toBeUndefined();
    expect(sniffImage(new TextEncoder().encode('GIF89a'))).toBeUndefined();
  });
});

describe('parseNameList', () => {
  const split = JSON.stringify({
    about: 'x',
    sets: { et760: { train: ['a.jpg'], eval: ['b.jpg', 'c.jpg'] }, 'cair-fire': { eval: ['f.jpg'] } },
  });

  it('reads plain text (comments, blank lines, folders dropped) and JSON lists', () => {
    expect([...parseNameList('a.jpg\n# comment\n\nsub/b.png  # why\n', 'l.txt')]).toEqual(['a.jpg', 'b.png']);
    expect([...parseNameList('["x/a.jpg", "b.jpg"]', 'l.json')]).toEqual(['a.jpg', 'b.jpg']);
    expect([...parseNameList('{"images": ["a.jpg"]}', 'l.json')]).toEqual(['a.jpg']);
  });

  it('selects a part of the training split file, the set from the folder or named', () => {
    expect([
      ...parseNameList(split, 's.json', {
        selector: 'eval',
        setCandidates: setNameCandidates('/x/shared/fire-real/et760'),
      }),
    ]).toEqual(['b.jpg', 'c.jpg']);
    expect([
      ...parseNameList(split, 's.json', {
        selector: 'eval',
        setCandidates: setNameCandidates('/x/shared/fire/cair/fire'),
      }),
    ]).toEqual(['f.jpg']);
    expect([...parseNameList(split, 's.json', { selector: 'et760/train' })]).toEqual(['a.jpg']);
  });

  it('says what is wrong', () => {
    expect(() => parseNameList(split, 's.json')).toThrow(/say which part.*s\.json#eval.*train, eval/);
    expect(() => parseNameList(split, 's.json', { selector: 'eval', setCandidates: ['other'] })).toThrow(
      /none of the sets et760, cair-fire/,
    );
    expect(() => parseNameList(split, 's.json', { selector: 'et760/test' })).toThrow(/no part "test"/);
    expect(() => parseNameList('{"a": 1', 's.json')).toThrow(/not valid JSON/);
    expect(() => parseNameList('[1, 2]', 's.json')).toThrow(/list of file names/);
  });

  it('guesses set names from folders', () => {
    expect(setNameCandidates('/s/fire-real/et760/images')).toEqual([
      'et760',
      'fire-real-et760',
      'fire-real/et760',
    ]);
    expect(setNameCandidates('/s/fire/cair/fire')).toContain('cair-fire');
  });
});

describe('matchImage', () => {
  const smoke = { className: 'smoke', line: 1, box: box(0.1, 0.1, 0.3, 0.3) };
  const fire = { className: 'fire', line: 2, box: box(0.6, 0.6, 0.8, 0.8) };
  const truth: Truth = { kind: 'boxes', boxes: [smoke, fire] };

  it('finds a labelled box by a same-class detection at IoU >= the threshold, any class for the any-class figure', () => {
    // Smoke detection shifted: IoU = 0.15*0.2 / (0.04 + 0.04 - 0.03) = 0.6. Fire labelled, seen as smoke.
    const m = matchImage(
      truth,
      [
        { className: 'smoke', score: 0.9, box: box(0.15, 0.1, 0.35, 0.3) },
        { className: 'smoke', score: 0.5, box: box(0.6, 0.6, 0.8, 0.8) },
      ],
      0.3,
    );
    expect(m.labels.map((l) => [l.found, l.foundAnyClass])).toEqual([
      [true, true],
      [false, true],
    ]);
    expect(m.labels[0]!.bestIou).toBeCloseTo(0.6);
    expect(m.correct).toEqual([true, false]);
    expect(m.correctAnyClass).toEqual([true, true]);
  });

  it('IoU below the threshold does not count', () => {
    const m = matchImage(truth, [{ className: 'smoke', score: 0.9, box: box(0.25, 0.25, 0.45, 0.45) }], 0.3);
    expect(m.labels[0]!.found).toBe(false);
    expect(m.correct).toEqual([false]);
  });

  it('negatives: every detection is wrong; positives without boxes: nothing can be judged', () => {
    const d = [{ className: 'fire', score: 0.5, box: box(0, 0, 0.1, 0.1) }];
    expect(matchImage({ kind: 'negative' }, d, 0.3).correct).toEqual([false]);
    expect(matchImage({ kind: 'positive' }, d, 0.3)).toEqual({
      labels: [],
      correct: [undefined],
      correctAnyClass: [undefined],
    });
  });
});

describe('summarise', () => {
  const det = (className: string, b = box(0.1, 0.1, 0.3, 0.3)) => ({ className, score: 0.5, box: b });
  const result = (
    truth: Truth,
    detections: ReturnType<typeof det>[],
    extra: Partial<ImageResult> = {},
  ): ImageResult => ({
    file: 'x.jpg',
    truth: truth.kind,
    detections,
    filtered: 0,
    match: matchImage(truth, detections, 0.3),
    ms: 10,
    ...extra,
  });
  const smokeBox = { className: 'smoke', line: 1, box: box(0.1, 0.1, 0.3, 0.3) };

  it('counts box recall per class, image recall, false alarms and precision', () => {
    const results: ImageResult[] = [
      result(
        { kind: 'boxes', boxes: [smokeBox, { className: 'fire', line: 2, box: box(0.5, 0.5, 0.9, 0.9) }] },
        [det('smoke'), det('smoke', box(0.5, 0.5, 0.9, 0.9))],
      ), // smoke found, fire found as smoke
      result({ kind: 'boxes', boxes: [smokeBox] }, []), // missed
      result({ kind: 'boxes', boxes: [smokeBox] }, [det('fire', box(0.6, 0.6, 0.7, 0.7))]), // flagged elsewhere
      result({ kind: 'boxes', boxes: [] }, [det('fire')]), // empty label file: false alarm
      result({ kind: 'negative' }, []),
      result({ kind: 'positive' }, [det('fire')]),
      { file: 'bad.jpg', truth: 'boxes', detections: [], filtered: 0, error: 'empty file' },
      result({ kind: 'negative' }, [], { filtered: 2, labelProblems: [{ line: 3, message: 'x' }] }),
    ];
    const m = summarise(results, ['smoke', 'fire']);
    expect(m).toMatchObject({
      images: 7,
      imageErrors: 1,
      labelErrors: 1,
      imagesWithBoxes: 3,
      imagesPositiveNoBoxes: 1,
      imagesNegative: 3,
      filtered: 2,
      meanMs: 10,
    });
    expect(m.boxesPerClass).toEqual({ smoke: 3, fire: 1 });
    expect(m.boxRecall).toEqual({ smoke: ratio(1, 3), fire: ratio(0, 1) });
    expect(m.boxRecallAnyClass).toEqual(ratio(2, 4));
    expect(m.imageRecall).toEqual(ratio(3, 4)); // images 1, 3 and the positive
    expect(m.imageBoxHit).toEqual(ratio(1, 3));
    expect(m.falseAlarmRate).toEqual(ratio(1, 3));
    // Judged detections: 2 + 1 + 1 (the positive's one cannot be judged); correct: the smoke one.
    expect(m.boxPrecision).toEqual(ratio(1, 4));
    expect(m.boxPrecisionAnyClass).toEqual(ratio(2, 4));
    expect(m.detectionsPerClass).toEqual({ smoke: 2, fire: 3 });
  });

  it('prints a block with the figures, the settings and what was not applied', () => {
    const m = summarise(
      [result({ kind: 'boxes', boxes: [smokeBox] }, [det('smoke')]), result({ kind: 'negative' }, [])],
      ['smoke'],
    );
    const text = formatSetReport('set-a', m, {
      model: 'm.onnx',
      modelName: 'm',
      inputSize: '256x256',
      thresholds: { fire: 0.4, smoke: 0.3 },
      nmsIou: 0.45,
      matchIou: 0.3,
      tiling: 'on',
      staticFilter: 'maxBoxArea 0.6',
      labelClasses: ['smoke'],
    });
    expect(text).toContain('box recall smoke     1/1 = 1.000');
    expect(text).toContain('false-alarm rate     0/1 = 0.000');
    expect(text).toContain('thresholds           fire 0.4, smoke 0.3');
    expect(text).toMatch(/not applied +change over time/);
  });
});
