// The dashboard's pages. The overview (live map, alarms, vessels, cameras) is `#/`; every other page is a view
// module under views/ that registers itself here and is mounted into <main id="page"> while its address is open:
// `#/office`, `#/vessel/412345678`, `#/fire/<alertId>`. One page load, one live connection: views read the state
// the overview keeps up to date and call the API themselves (api.js).
import { el } from './format.js';
import { onLanguageChange, t } from './i18n.js';

/**
 * @typedef {object} View
 * @property {string} name First segment of the address: `vessel` for `#/vessel/412345678`.
 * @property {string} [navKey] Catalogue key of its link in the header's navigation; none = reached by links only.
 * @property {'fisheries'|'alarms'|'fire'|'cameras'|'office'|'registry'} [feature] Cloud feature it needs (dashboard config).
 * @property {(params: string[]) => string} title The page's heading and document title, in the current language.
 * @property {(container: HTMLElement, params: string[], context: ViewContext) => (void|(() => void)|Promise<void|(() => void)>)} mount
 *   Fills the container; returns a cleanup (timers, listeners) called when the page is left or re-mounted.
 * @property {(changed: Set<string>, context: ViewContext) => void} [update] The overview's state changed
 *   (`changed`: 'vessels', 'alarms', 'fires', 'cameras', 'edges', …); redraw what depends on it.
 */

/**
 * @typedef {object} ViewContext
 * @property {object} state The overview's live state (app.js): vessels, alarms, fires, cameras, edges, config.
 * @property {(mmsi: number) => void} showVessel Opens the overview with the vessel selected on the map.
 */

const views = new Map();
let overview;
let page;
let nav;
let context;
/** The mounted view: { view, params, cleanup, generation } */
let current;
let generation = 0;

/** Adds a page. Views register when their module is imported (views/index.js), before startViews(). */
export function registerView(view) {
  if (views.has(view.name)) throw new Error(`dashboard: two views named ${view.name}`);
  views.set(view.name, view);
  if (nav) fillNav();
}

/** The address of a page: href('vessel', 412345678) = '#/vessel/412345678'; href() = the overview. */
export function href(name, ...params) {
  if (!name) return '#/';
  return `#/${[name, ...params].map((part) => encodeURIComponent(String(part))).join('/')}`;
}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0], params: parts.slice(1) };
}

function fillNav() {
  const links = [el('a', { href: href(), 'data-view': '' }, t('nav.overview'))];
  for (const view of views.values()) {
    if (!view.navKey) continue;
    if (view.feature && context && !context.state.features?.[view.feature]) continue;
    links.push(el('a', { href: href(view.name), 'data-view': view.name }, t(view.navKey)));
  }
  nav.replaceChildren(...links);
  markCurrentLink();
}

function markCurrentLink() {
  const name = route().name ?? '';
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function unmountCurrent() {
  if (!current) return;
  const { cleanup } = current;
  current = undefined;
  try {
    cleanup?.();
  } catch (error) {
    console.error('dashboard: leaving a page failed', error);
  }
}

function showOverview() {
  unmountCurrent();
  page.hidden = true;
  page.replaceChildren();
  overview.hidden = false;
  document.body.dataset.view = '';
}

function pageMessage(text) {
  return el(
    'div',
    { class: 'page-message' },
    el('p', {}, text),
    el('a', { href: href(), class: 'button' }, t('page.backToOverview')),
  );
}

/** Mounts the view of the current address; a newer navigation during an async mount wins. */
async function mountRoute() {
  const { name, params } = route();
  markCurrentLink();
  if (!name) return showOverview();
  unmountCurrent();
  overview.hidden = true;
  page.hidden = false;
  document.body.dataset.view = name;
  window.scrollTo(0, 0);
  const view = views.get(name);
  if (!view) return page.replaceChildren(pageMessage(t('page.notFound', { address: location.hash })));
  if (view.feature && !context.state.config) return page.replaceChildren(pageMessage(t('page.loading')));
  if (view.feature && !context.state.features?.[view.feature])
    return page.replaceChildren(pageMessage(t('page.notEnabled')));
  const mine = ++generation;
  const heading = el('h2', { class: 'page-title', tabindex: '-1' }, view.title(params));
  const body = el('div', { class: 'page-body' });
  page.replaceChildren(
    el('div', { class: 'page-head' }, el('a', { href: href(), class: 'back-link' }, t('page.back')), heading),
    body,
  );
  document.title = `${view.title(params)} · ${t('app.title')}`;
  heading.focus({ preventScroll: true });
  try {
    const cleanup = await view.mount(body, params, context);
    if (mine !== generation) return typeof cleanup === 'function' ? cleanup() : undefined;
    current = { view, params, cleanup: typeof cleanup === 'function' ? cleanup : undefined };
  } catch (error) {
    if (mine === generation) body.replaceChildren(pageMessage(t('page.failed', { message: error.message })));
  }
}

/**
 * Starts routing: `overviewElement` is shown at `#/`, views go into `pageElement`, links into `navElement`.
 * `showVessel(mmsi)` is given to the pages (the overview's map follows its own size: a ResizeObserver).
 */
export function startViews({ overviewElement, pageElement, navElement, state, showVessel }) {
  overview = overviewElement;
  page = pageElement;
  nav = navElement;
  context = { state, showVessel };
  fillNav();
  window.addEventListener('hashchange', () => void mountRoute());
  onLanguageChange(() => {
    fillNav();
    if (route().name) void mountRoute();
  });
  return mountRoute();
}

/** The dashboard config arrived (features known): the navigation shows the pages this cloud serves. */
export function featuresKnown() {
  if (!nav) return;
  fillNav();
  if (route().name) void mountRoute();
}

/** The overview's state changed: the mounted view redraws what depends on it. */
export function stateChanged(changed) {
  if (!current?.view.update) return;
  try {
    current.view.update(changed, context);
  } catch (error) {
    console.error(`dashboard: page ${current.view.name} failed to update`, error);
  }
}
