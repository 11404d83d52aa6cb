// Message catalogues and the formats Vietnamese rangers and officers read: one module for the cloud (webhook
// texts, demo console) and the browser (the dashboard serves it as JavaScript at /dashboard/i18n/messages.js,
// esbuild strips the types). Plain `Intl`, no library: the catalogues are flat JSON (`vi.json`, `en.json`) with
// `{name}` placeholders; Vietnamese has no plural forms and the English texts are written to need none.
// No imports: the browser loads this file alone.

export type Language = 'vi' | 'en';
export type Catalogue = Readonly<Record<string, string>>;
export type MessageParams = Readonly<Record<string, string | number>>;

export const LANGUAGES: readonly Language[] = ['vi', 'en'];
export const DEFAULT_LANGUAGE: Language = 'vi';
/** Every time a person reads is in Vietnam's time, with the offset shown (GMT+7). */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';
const LOCALES: Record<Language, string> = { vi: 'vi-VN', en: 'en-GB' };

/** The first of the browser's (or a config's) preferred languages we have; Vietnamese otherwise. */
export function pickLanguage(preferred: readonly string[] | undefined): Language {
  for (const tag of preferred ?? []) {
    const primary = String(tag).toLowerCase().split('-')[0] ?? '';
    if ((LANGUAGES as readonly string[]).includes(primary)) return primary as Language;
  }
  return DEFAULT_LANGUAGE;
}

function fill(text: string, params: MessageParams): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

function dateParts(ms: number, lang: Language, options: Intl.DateTimeFormatOptions): Record<string, string> {
  const format = new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone: TIME_ZONE,
    hourCycle: 'h23',
    ...options,
  });
  return Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, part.value]));
}

/** Degrees, minutes and seconds with the hemisphere letter of the language: `8°37′30″ B`. */
function dms(value: number, positive: string, negative: string): string {
  const seconds = Math.round(Math.abs(value) * 3600);
  const deg = Math.floor(seconds / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  const sec = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${deg}°${pad(min)}′${pad(sec)}″ ${value >= 0 ? positive : negative}`;
}

/**
 * Everything a page or a message needs to speak one language: `t(key, params)` and the formats. A key missing
 * from the catalogue comes back as the key itself (tests/i18n/catalogues.test.ts keeps that from shipping).
 */
export function createTranslator(lang: Language, catalogue: Catalogue) {
  const locale = LOCALES[lang] ?? LOCALES[DEFAULT_LANGUAGE];
  const t = (key: string, params: MessageParams = {}): string => fill(catalogue[key] ?? key, params);
  /** The name of a value from a fixed list (`label('alarmType', 'fire')`); an unknown value as it is. */
  const label = (prefix: string, value: string): string => catalogue[`${prefix}.${value}`] ?? value;
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const number = (value: number | undefined, digits = 0): string => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
    let format = numberFormats.get(digits);
    if (!format) {
      format = new Intl.NumberFormat(locale, {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
      numberFormats.set(digits, format);
    }
    return format.format(value);
  };
  const offset = (ms: number): string =>
    dateParts(ms, lang, { timeZoneName: 'shortOffset' }).timeZoneName ?? 'GMT+7';
  /** `14:05 03/12/2026 (GMT+7)` */
  const dateTime = (ms: number): string => {
    if (!Number.isFinite(ms)) return '–';
    const p = dateParts(ms, lang, {
      hour: '2-digit',
      minute: '2-digit',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
    });
    return `${p.hour}:${p.minute} ${p.day}/${p.month}/${p.year} (${offset(ms)})`;
  };
  /** `14:05:09` today (Vietnam's day), `14:05 02/12` before. */
  const clock = (ms: number, now = Date.now()): string => {
    if (!Number.isFinite(ms)) return '–';
    const p = dateParts(ms, lang, {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      day: '2-digit',
      month: '2-digit',
    });
    const today = dateParts(now, lang, { day: '2-digit', month: '2-digit' });
    return p.day === today.day && p.month === today.month
      ? `${p.hour}:${p.minute}:${p.second}`
      : `${p.hour}:${p.minute} ${p.day}/${p.month}`;
  };
  /** `12 giây trước`, `3 giờ 10 phút trước` */
  const ago = (ms: number, now = Date.now()): string => {
    if (!Number.isFinite(ms)) return '–';
    const s = Math.max(0, Math.round((now - ms) / 1000));
    if (s < 60) return t('ago.seconds', { n: s });
    const min = Math.floor(s / 60);
    if (min < 60) return t('ago.minutes', { n: min });
    const h = Math.floor(min / 60);
    if (h < 48) return t('ago.hours', { h, min: min % 60 });
    return t('ago.days', { d: Math.floor(h / 24), h: h % 24 });
  };
  const latLon = (lat: number, lon: number): string =>
    `${dms(lat, t('coord.north'), t('coord.south'))}, ${dms(lon, t('coord.east'), t('coord.west'))}`;
  const percent = (fraction: number): string => `${number(fraction * 100)} %`;
  /** A calendar day `YYYY-MM-DD` as `15/03/2026` (both languages). */
  const day = (ymd: string): string => `${ymd.slice(8, 10)}/${ymd.slice(5, 7)}/${ymd.slice(0, 4)}`;
  return { lang, locale, t, label, number, dateTime, clock, ago, latLon, percent, offset, day };
}

export type Translator = ReturnType<typeof createTranslator>;
