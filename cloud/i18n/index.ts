import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { LANGUAGES, createTranslator, type Catalogue, type Language, type Translator } from './messages.js';

export { DEFAULT_LANGUAGE, LANGUAGES, TIME_ZONE, pickLanguage } from './messages.js';
export type { Catalogue, Language, Translator } from './messages.js';

/** The catalogues and the shared module, served as they are to the browser by the dashboard. */
export const I18N_DIR = fileURLToPath(new URL('./', import.meta.url));

/** A config value that names a language: `vi` (default) or `en`. */
export const LanguageSchema = Type.Union([Type.Literal('vi'), Type.Literal('en')], { default: 'vi' });

const catalogues = new Map<Language, Catalogue>();

export function catalogue(lang: Language): Catalogue {
  let found = catalogues.get(lang);
  if (!found) {
    if (!LANGUAGES.includes(lang)) throw new Error(`i18n: no catalogue for language "${lang}"`);
    found = JSON.parse(readFileSync(new URL(`./${lang}.json`, import.meta.url), 'utf8')) as Catalogue;
    catalogues.set(lang, found);
  }
  return found;
}

const translators = new Map<Language, Translator>();

/** `translator('vi').t('alarmType.fire')` → `Cháy / khói`. */
export function translator(lang: Language): Translator {
  let found = translators.get(lang);
  if (!found) {
    found = createTranslator(lang, catalogue(lang));
    translators.set(lang, found);
  }
  return found;
}
