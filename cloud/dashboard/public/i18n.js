// The page's language: Vietnamese first, English second. Chosen by the switch in the header (kept in
// localStorage) or else by the browser's preferred languages (its Accept-Language); the catalogues and the formats
// are the cloud's own (cloud/i18n), served at /dashboard/i18n/.
import { LANGUAGES, createTranslator, pickLanguage } from './i18n/messages.js';

const STORAGE_KEY = 'lookout.lang';
let current = createTranslator('vi', {});
const listeners = new Set();

export function chosenLanguage() {
  const stored = localStorage.getItem(STORAGE_KEY);
  return LANGUAGES.includes(stored) ? stored : pickLanguage(navigator.languages);
}

async function loadCatalogue(lang) {
  const response = await fetch(`/dashboard/i18n/${lang}.json`);
  if (!response.ok) throw new Error(`/dashboard/i18n/${lang}.json: HTTP ${response.status}`);
  return response.json();
}

/** Texts written in the HTML: `data-i18n` (text), `data-i18n-title`, `-aria-label`, `-alt`, `-placeholder`. */
function translateDocument() {
  document.documentElement.lang = current.lang;
  for (const element of document.querySelectorAll('[data-i18n]'))
    element.textContent = current.t(element.dataset.i18n);
  for (const [attribute, key] of [
    ['title', 'i18nTitle'],
    ['aria-label', 'i18nAriaLabel'],
    ['alt', 'i18nAlt'],
    ['placeholder', 'i18nPlaceholder'],
  ]) {
    for (const element of document.querySelectorAll(`[data-i18n-${attribute}]`))
      element.setAttribute(attribute, current.t(element.dataset[key]));
  }
}

export async function useLanguage(lang, { remember = false } = {}) {
  current = createTranslator(lang, await loadCatalogue(lang));
  if (remember) localStorage.setItem(STORAGE_KEY, lang);
  translateDocument();
  for (const listener of listeners) listener(current);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}

export const language = () => current.lang;
export const t = (key, params) => current.t(key, params);
/** The name of a value from a fixed list: label('alarmType', 'fire'). */
export const label = (prefix, value) => current.label(prefix, value);
/** `14:05:09` today, `14:05 02/12` before: Vietnam's time (the header says GMT+7). */
export const clockTime = (ms) => current.clock(ms);
/** `14:05 03/12/2026 (GMT+7)` */
export const dateTime = (ms) => current.dateTime(ms);
export const ago = (ms, now) => current.ago(ms, now);
export const latLon = (lat, lon) => current.latLon(lat, lon);
export const number = (value, digits) => current.number(value, digits);
export const percent = (fraction) => current.percent(fraction);
export const utcOffset = (ms) => current.offset(ms);
