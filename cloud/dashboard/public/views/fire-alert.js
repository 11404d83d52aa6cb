// `#/fire/<alertId>`: one fire alert as a ranger needs it on a phone: what and where in words, links that open a
// map app at the point, the snapshot large, and the camera's frames before and after the detection (a strip),
// so the plume can be seen growing. Data: GET /api/v1/fire/alerts?alertId=, GET /api/v1/fire/located/{id}.
import { api } from '../api.js';
import { el } from '../format.js';
import { dateTime, label, percent, t } from '../i18n.js';
import { locationLines, mapLinks, useFireStyle } from '../located-fires.js';
import { registerView } from '../views.js';

/** The alert's boxes drawn over a picture (frame units), so the strip's frames show where the detection was. */
function boxed(picture, boxes, className) {
  const frame = el('div', { class: `boxed ${className}` }, picture);
  for (const box of boxes) {
    const mark = el('div', { class: `box box-${box.className ?? 'fire'}`, 'aria-hidden': 'true' });
    // CSSOM, not a style attribute: the page's CSP allows no inline styles.
    Object.assign(mark.style, {
      left: `${box.x1 * 100}%`,
      top: `${box.y1 * 100}%`,
      width: `${(box.x2 - box.x1) * 100}%`,
      height: `${(box.y2 - box.y1) * 100}%`,
    });
    frame.append(mark);
  }
  return frame;
}

const whenOf = (ts, detection) =>
  ts < detection.ts ? 'before' : ts === detection.ts ? 'detection' : 'after';

/**
 * Frames before the detection, the detection frame (the edge's clean one, else the snapshot: an older edge), frames
 * after it: oldest first. Only the snapshot has its boxes drawn in; the others get the alert's boxes over them.
 */
function strip(events, detection) {
  const frames = events.flatMap((e) => e.frames ?? []).sort((a, b) => a.ts - b.ts);
  const seen = new Set();
  const items = [];
  for (const frame of frames) {
    if (seen.has(frame.url)) continue;
    seen.add(frame.url);
    items.push({ ...frame, when: whenOf(frame.ts, detection) });
  }
  if (detection.snapshotUrl && !items.some((item) => item.when === 'detection'))
    items.push({ ts: detection.ts, url: detection.snapshotUrl, when: 'detection', drawn: true });
  items.sort((a, b) => a.ts - b.ts);
  return items.map((item) =>
    el(
      'figure',
      { class: `strip-frame ${item.when}`, dataset: { when: item.when } },
      boxed(
        el('img', {
          src: item.url,
          alt: t('fireAlert.frameAlt', { time: dateTime(item.ts) }),
          loading: 'lazy',
        }),
        item.drawn ? [] : detection.boxes,
        'small',
      ),
      el('figcaption', {}, `${t(`fireAlert.${item.when}`)} · ${dateTime(item.ts)}`),
    ),
  );
}

function cameraName(state, record, fire) {
  const key = `${record.edgeId}/${record.cameraId}`;
  const sighting = fire?.cameras.find((c) => `${c.edgeId}/${c.cameraId}` === key);
  const name = sighting?.name ?? state.cameras?.get?.(key)?.name;
  return name ? `${name} (${key})` : key;
}

async function render(container, alertId, context) {
  const { alerts } = await api(`/api/v1/fire/alerts?alertId=${encodeURIComponent(alertId)}&limit=100`);
  if (alerts.length === 0) {
    container.replaceChildren(el('p', { class: 'page-message' }, t('fireAlert.notFound', { id: alertId })));
    return;
  }
  const latest = alerts[0];
  const detection = alerts.find((a) => a.event === 'new') ?? alerts[alerts.length - 1];
  const fireId = alerts.find((a) => a.location)?.location.fireId;
  const fire = fireId
    ? await api(`/api/v1/fire/located/${encodeURIComponent(fireId)}`).catch(() => undefined)
    : undefined;
  const key = `${latest.edgeId}/${latest.cameraId}`;
  const ended = latest.event === 'end';
  const links = fire?.point ? mapLinks(fire.point) : undefined;
  const where = fire ? locationLines(fire, key) : [];
  container.replaceChildren(
    el(
      'section',
      { class: `fire-alert ${ended ? 'ended' : 'active'}` },
      el(
        'div',
        { class: 'fire-alert-head' },
        el(
          'span',
          { class: `badge ${ended ? 'muted' : 'fire-badge'}` },
          `${label('fireClass', detection.className)} ${percent(detection.confidence)}`,
        ),
        el('span', { class: 'fire-alert-state' }, t(ended ? 'fireAlert.ended' : 'fireAlert.ongoing')),
      ),
      el(
        'dl',
        { class: 'fire-alert-facts' },
        el('dt', {}, t('fireAlert.camera')),
        el('dd', { class: 'fire-camera' }, cameraName(context.state, latest, fire)),
        el('dt', {}, t('fireAlert.detectedAt')),
        el('dd', {}, dateTime(detection.ts)),
        el('dt', {}, t('fireAlert.latest')),
        el('dd', {}, `${label('fireEvent', latest.event)} · ${dateTime(latest.ts)}`),
      ),
      el(
        'div',
        { class: 'fire-where' },
        el('h3', {}, t('fireAlert.where')),
        fire
          ? el('ul', { class: 'fire-location' }, ...where.map((line) => el('li', {}, line)))
          : el('p', {}, t('fireAlert.noGeometry')),
        fire && !fire.point ? el('p', { class: 'muted-text' }, t('fireAlert.oneCamera')) : null,
        links
          ? el(
              'p',
              { class: 'fire-links' },
              el('a', { href: links.geoUri, class: 'button map-app' }, t('fireAlert.openMapApp')),
              ' ',
              el(
                'a',
                { href: links.mapUrl, class: 'button', target: '_blank', rel: 'noopener' },
                t('fireAlert.openOsm'),
              ),
            )
          : null,
      ),
      detection.snapshotUrl
        ? el(
            'figure',
            { class: 'fire-snapshot' },
            el(
              'a',
              { href: detection.snapshotUrl, target: '_blank', rel: 'noopener' },
              el('img', {
                src: detection.snapshotUrl,
                alt: t('fireAlert.snapshotAlt', { camera: key }),
              }),
            ),
            el('figcaption', {}, `${t('fireAlert.snapshot')} · ${dateTime(detection.ts)}`),
          )
        : el('p', {}, t('fires.noSnapshot')),
      el('h3', {}, t('fireAlert.strip')),
      alerts.some((a) => a.frames?.length)
        ? el('div', { class: 'fire-strip' }, ...strip(alerts, detection))
        : el('p', { class: 'muted-text' }, t('fireAlert.noFrames')),
    ),
  );
}

/** The mounted page: its container and alert, and the time of the alert's newest event it shows. */
let mounted;

registerView({
  name: 'fire',
  feature: 'fire',
  title: () => t('fireAlert.title'),
  async mount(container, params, context) {
    useFireStyle();
    const alertId = params[0] ?? '';
    const page = { container, alertId, last: context.state.fires.get(alertId)?.ts };
    mounted = page;
    await render(container, alertId, context);
    return () => {
      if (mounted === page) mounted = undefined;
    };
  },
  // A new event of this alert (its after-frames, its end, a second camera) arrived live: read it again.
  update(changed, context) {
    if (!mounted || !changed.has('fires')) return;
    const ts = context.state.fires.get(mounted.alertId)?.ts;
    if (ts === undefined || ts === mounted.last) return;
    mounted.last = ts;
    void render(mounted.container, mounted.alertId, context).catch(() => {});
  },
});
