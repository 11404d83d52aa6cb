/**
 * The message catalogues (cloud/i18n/vi.json, en.json) against each other and against the code: a key missing in
 * either language, a placeholder one language forgets, or a key the code uses that no catalogue has fails here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEVERITIES, TRIAGE_LABELS } from '../../protocols/api/alarms.js';
import { ALARM_TYPES as VESSEL_ALARM_TYPES } from '../../cloud/fisheries/engine.js';
import { LANGUAGES, catalogue } from '../../cloud/i18n/index.js';
import { OFFLINE_ALARM_TYPES } from '../../cloud/offline/offline-part.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Where people-facing text is made: the dashboard, notifications, the demo's console. */
const SOURCE_DIRS = ['cloud', 'cli'];
/** Every alarm type a person can see: the fisheries engine's, fire, and dark cameras and edges. */
const ALARM_TYPES = ['fire', ...VESSEL_ALARM_TYPES, ...OFFLINE_ALARM_TYPES];

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(relative);
    return /\.(ts|js|html)$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

/** Keys written out in the code: `t('key'`, `data-i18n="key"` (and its -title, -aria-label, -alt variants). */
function usedKeys(): { keys: Map<string, string>; prefixes: Map<string, string> } {
  const keys = new Map<string, string>();
  const prefixes = new Map<string, string>();
  for (const file of SOURCE_DIRS.flatMap(sources)) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/\bt\(\s*['"]([\w.]+)['"]/g)) keys.set(match[1]!, file);
    for (const match of text.matchAll(/data-i18n(?:-[a-z-]+)?="([\w.]+)"/g)) keys.set(match[1]!, file);
    // A key made from a value: t(`notify.kind.${kind}`), label('alarmType', type).
    for (const match of text.matchAll(/\bt\(\s*`([\w.]+)\.\$\{/g)) prefixes.set(match[1]!, file);
    for (const match of text.matchAll(/\blabel\(\s*['"]([\w.]+)['"]/g)) prefixes.set(match[1]!, file);
  }
  return { keys, prefixes };
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  const [first, ...others] = LANGUAGES;

  it('have the same keys and the same placeholders in every language, none left empty', () => {
    const reference = catalogue(first!);
    for (const lang of others) {
      const other = catalogue(lang);
      expect(
        Object.keys(other).filter((key) => !(key in reference)),
        `keys only in ${lang}`,
      ).toEqual([]);
      expect(
        Object.keys(reference).filter((key) => !(key in other)),
        `keys missing in ${lang}`,
      ).toEqual([]);
      for (const [key, text] of Object.entries(reference))
        expect(placeholders(other[key] ?? ''), `${lang} ${key}`).toEqual(placeholders(text));
    }
    for (const lang of LANGUAGES)
      for (const [key, text] of Object.entries(catalogue(lang)))
        if (key !== 'notify.kind.created') expect(text.trim(), `${lang} ${key}`).not.toBe('');
  });

  it('have every key the code uses', () => {
    const { keys, prefixes } = usedKeys();
    expect(keys.size).toBeGreaterThan(100);
    for (const lang of LANGUAGES) {
      const known = catalogue(lang);
      const missing = [...keys].filter(([key]) => !(key in known)).map(([key, file]) => `${key} (${file})`);
      expect(missing, lang).toEqual([]);
      const noPrefix = [...prefixes].filter(
        ([prefix]) => !Object.keys(known).some((k) => k.startsWith(`${prefix}.`)),
      );
      expect(noPrefix, lang).toEqual([]);
    }
  });

  it('name every severity, alarm type, triage verdict and fire class', () => {
    for (const lang of LANGUAGES) {
      const known = catalogue(lang);
      const wanted = [
        ...SEVERITIES.map((s) => `severity.${s}`),
        ...ALARM_TYPES.map((type) => `alarmType.${type}`),
        ...TRIAGE_LABELS.map((label) => `triage.${label}`),
        'fireClass.fire',
        'fireClass.smoke',
      ];
      expect(
        wanted.filter((key) => !(key in known)),
        lang,
      ).toEqual([]);
    }
  });
});
