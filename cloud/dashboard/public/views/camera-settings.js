// A camera's settings page, `#/camera/<edgeId>/<cameraId>`: mute it for a while, change its sensitivity, draw the
// parts of its picture where nothing should alert (polygons on its latest snapshot), save, and see whether the edge
// applied them. The cloud keeps the settings and sends them to the edge (cloud/README.md, "Camera settings").
import { api, send } from '../api.js';
import { actionButton, el } from '../format.js';
import { dateTime, t } from '../i18n.js';
import { actorFields } from '../operator.js';
import { registerView } from '../views.js';

const HOUR_MS = 3_600_000;
/** Vietnam's offset: the "until" field is read and shown in Vietnam's time, whatever the browser's zone. */
const VIETNAM_OFFSET = '+07:00';
const VIETNAM_OFFSET_MS = 7 * HOUR_MS;
const SENSITIVITY_LEVELS = [-2, -1, 0, 1, 2];
const SVG_NS = 'http://www.w3.org/2000/svg';
/** While the edge has not applied the saved version, the page asks again this often. */
const PENDING_POLL_MS = 2000;

const settingsPath = (edgeId, cameraId) =>
  `/api/v1/cameras/${encodeURIComponent(edgeId)}/${encodeURIComponent(cameraId)}/settings`;

function svg(tag, attributes = {}) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** A button that edits the settings (hidden for a viewer account, which may not change them). */
function action(text, dataset, onclick) {
  return actionButton('edit', text, onclick, { dataset });
}

function useStylesheet() {
  if (document.querySelector('link[data-view-style="camera-settings"]')) return;
  document.head.append(
    el('link', {
      rel: 'stylesheet',
      href: '/dashboard/views/camera-settings.css',
      dataset: { viewStyle: 'camera-settings' },
    }),
  );
}

/** `2026-12-03T21:30` in Vietnam's time, for a datetime-local field. */
function vietnamInputValue(ms) {
  return new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 16);
}

/** The newest snapshot the camera sent with a fire alert, or undefined (none yet, or fire alerts not served). */
async function latestSnapshot(edgeId, cameraId, state) {
  if (!state.features?.fire) return undefined;
  const query = new URLSearchParams({ edgeId, cameraId, limit: '50' });
  const { alerts } = await api(`/api/v1/fire/alerts?${query}`).catch(() => ({ alerts: [] }));
  return alerts.find((alert) => alert.snapshotUrl)?.snapshotUrl;
}

function statusText(current) {
  if (current.version === 0) return { kind: 'none', text: t('cameraSettings.neverChanged') };
  const applied = current.applied;
  if (applied?.refused && applied.refused.version >= current.version)
    return {
      kind: 'refused',
      text: t('cameraSettings.refused', { version: applied.refused.version, reason: applied.refused.reason }),
    };
  if (current.pending)
    return { kind: 'waiting', text: t('cameraSettings.waiting', { version: current.version }) };
  return {
    kind: 'applied',
    text: t('cameraSettings.applied', { version: applied?.version ?? current.version }),
  };
}

function sensitivityLabel(level) {
  return t(`cameraSettings.level.${level < 0 ? `minus${-level}` : `plus${level}`}`);
}

/** The mask editor: the picture with the polygons over it; a tap adds a corner to the polygon being drawn. */
function maskEditor(image, draft, onChange) {
  const layer = svg('svg', { class: 'mask-layer', viewBox: '0 0 1 1', preserveAspectRatio: 'none' });
  let drawing = [];

  const redraw = () => {
    layer.replaceChildren();
    draft.ignoreMasks.forEach((polygon, index) => {
      layer.append(
        svg('polygon', {
          class: 'mask',
          points: polygon.map(([x, y]) => `${x},${y}`).join(' '),
          'data-mask': index,
        }),
      );
    });
    if (drawing.length)
      layer.append(
        svg('polyline', { class: 'mask-drawing', points: drawing.map(([x, y]) => `${x},${y}`).join(' ') }),
      );
    for (const [x, y] of drawing)
      layer.append(svg('circle', { class: 'mask-corner', cx: x, cy: y, r: 0.008 }));
    onChange(drawing.length);
  };

  const frame = el('div', { class: 'mask-frame' }, image, layer);
  frame.addEventListener('click', (event) => {
    const box = frame.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, Math.round(v * 10_000) / 10_000));
    drawing.push([
      clamp((event.clientX - box.left) / box.width),
      clamp((event.clientY - box.top) / box.height),
    ]);
    redraw();
  });
  return {
    frame,
    /** Closes the polygon being drawn (3 corners at least); false when it has fewer. */
    close() {
      if (drawing.length < 3) return false;
      draft.ignoreMasks.push(drawing);
      drawing = [];
      redraw();
      return true;
    },
    undo() {
      drawing.pop();
      redraw();
    },
    clear() {
      drawing = [];
      draft.ignoreMasks.splice(0);
      redraw();
    },
    remove(index) {
      draft.ignoreMasks.splice(index, 1);
      redraw();
    },
    reset() {
      drawing = [];
      redraw();
    },
    get corners() {
      return drawing.length;
    },
  };
}

async function mount(container, [edgeId, cameraId], { state }) {
  if (!edgeId || !cameraId) {
    container.append(el('p', { class: 'page-message' }, t('cameraSettings.badAddress')));
    return undefined;
  }
  useStylesheet();
  const path = settingsPath(edgeId, cameraId);
  const [initial, snapshotUrl] = await Promise.all([api(path), latestSnapshot(edgeId, cameraId, state)]);
  let current = initial;
  const draft = JSON.parse(JSON.stringify(current.settings));
  let timer;
  let saving = false;

  const status = el('p', { class: 'settings-status', role: 'status', 'aria-live': 'polite' });
  const lastChange = el('p', { class: 'small muted-text' });
  const muteState = el('p', { class: 'mute-state' });
  const untilInput = el('input', {
    type: 'datetime-local',
    id: 'mute-until',
    'aria-label': t('cameraSettings.muteUntilLabel'),
  });
  const sensitivity = el(
    'select',
    { id: 'sensitivity' },
    SENSITIVITY_LEVELS.map((level) => el('option', { value: level }, sensitivityLabel(level))),
  );
  const offsetsNote = el('p', { class: 'small muted-text' });
  const maskList = el('ol', { class: 'mask-list' });
  const drawingNote = el('p', { class: 'small muted-text' });
  const saveState = el('span', { class: 'save-state', role: 'status' });
  const changesList = el('ol', { class: 'settings-changes' });

  const image = snapshotUrl
    ? el('img', {
        class: 'mask-image',
        src: snapshotUrl,
        alt: t('cameraSettings.snapshotAlt', { camera: cameraId }),
      })
    : el('div', { class: 'mask-image placeholder' }, t('cameraSettings.noSnapshot'));
  const editor = maskEditor(image, draft, (corners) => {
    drawingNote.textContent = corners
      ? t('cameraSettings.drawing', { n: corners })
      : t('cameraSettings.drawHint');
    renderMaskList();
    markUnsaved();
  });

  function markUnsaved() {
    const changed = JSON.stringify(draft) !== JSON.stringify(current.settings) || editor?.corners > 0;
    saveState.textContent = changed ? t('cameraSettings.unsaved') : '';
  }

  function renderMaskList() {
    maskList.replaceChildren(
      ...draft.ignoreMasks.map((polygon, index) =>
        el(
          'li',
          { dataset: { mask: index } },
          t('cameraSettings.maskItem', { n: index + 1, corners: polygon.length }),
          ' ',
          action(t('cameraSettings.removeMask'), { remove: index }, () => editor.remove(index)),
        ),
      ),
    );
    if (draft.ignoreMasks.length === 0)
      maskList.append(el('li', { class: 'muted-text' }, t('cameraSettings.noMasks')));
  }

  function renderMute() {
    const now = Date.now();
    muteState.textContent =
      draft.muteUntil && draft.muteUntil > now
        ? t('cameraSettings.mutedUntil', { time: dateTime(draft.muteUntil) })
        : t('cameraSettings.notMuted');
    muteState.dataset.muted = String(Boolean(draft.muteUntil && draft.muteUntil > now));
  }

  function renderState() {
    const { kind, text } = statusText(current);
    status.textContent = text;
    status.dataset.state = kind;
    lastChange.textContent = current.updatedBy
      ? t('cameraSettings.lastChange', { by: current.updatedBy, time: dateTime(current.updatedAt) })
      : '';
  }

  function renderDraft() {
    renderMute();
    sensitivity.value = String(draft.sensitivity);
    const offsets = Object.entries(draft.classOffsets ?? {});
    offsetsNote.textContent = offsets.length
      ? t('cameraSettings.classOffsets', {
          offsets: offsets.map(([name, v]) => `${name} ${v > 0 ? '+' : ''}${v}`).join(', '),
        })
      : '';
    renderMaskList();
    markUnsaved();
  }

  async function loadChanges() {
    const { changes } = await api(`${path}/changes?limit=10`).catch(() => ({ changes: [] }));
    changesList.replaceChildren(
      ...changes.map((change) =>
        el(
          'li',
          { dataset: { version: change.version } },
          t('cameraSettings.change', { version: change.version, by: change.by, time: dateTime(change.at) }),
        ),
      ),
    );
    if (changes.length === 0)
      changesList.append(el('li', { class: 'muted-text' }, t('cameraSettings.noChanges')));
  }

  /** While the edge has not applied the saved version, ask again (the edge may be offline for hours: no limit). */
  function pollWhilePending() {
    clearTimeout(timer);
    if (!current.pending) return;
    timer = setTimeout(async () => {
      current = await api(path).catch(() => current);
      renderState();
      pollWhilePending();
    }, PENDING_POLL_MS);
  }

  const setMute = (until) => {
    draft.muteUntil = until;
    if (until === undefined) delete draft.muteUntil;
    renderMute();
    markUnsaved();
  };

  const form = el(
    'form',
    { class: 'camera-settings', id: 'camera-settings-form' },
    el(
      'fieldset',
      { class: 'settings-group' },
      el('legend', {}, t('cameraSettings.mute')),
      muteState,
      el(
        'div',
        { class: 'settings-row' },
        action(t('cameraSettings.mute1h'), { mute: '1h' }, () => setMute(Date.now() + HOUR_MS)),
        action(t('cameraSettings.mute4h'), { mute: '4h' }, () => setMute(Date.now() + 4 * HOUR_MS)),
        action(t('cameraSettings.unmute'), { mute: 'off' }, () => setMute(undefined)),
      ),
      el(
        'div',
        { class: 'settings-row' },
        el('label', { for: 'mute-until' }, t('cameraSettings.muteUntilLabel')),
        untilInput,
        action(t('cameraSettings.muteUntil'), { mute: 'until' }, () => {
          const until = Date.parse(`${untilInput.value}:00${VIETNAM_OFFSET}`);
          if (Number.isFinite(until) && until > Date.now()) setMute(until);
          else saveState.textContent = t('cameraSettings.untilInPast');
        }),
      ),
      el('p', { class: 'small muted-text' }, t('cameraSettings.muteHint')),
    ),
    el(
      'fieldset',
      { class: 'settings-group' },
      el('legend', {}, el('label', { for: 'sensitivity' }, t('cameraSettings.sensitivity'))),
      sensitivity,
      el('p', { class: 'small muted-text' }, t('cameraSettings.sensitivityHint')),
      offsetsNote,
    ),
    el(
      'fieldset',
      { class: 'settings-group' },
      el('legend', {}, t('cameraSettings.masks')),
      el('p', { class: 'small muted-text' }, t('cameraSettings.maskHint')),
      editor.frame,
      drawingNote,
      el(
        'div',
        { class: 'settings-row' },
        action(t('cameraSettings.closeMask'), { mask: 'close' }, () => {
          if (!editor.close()) saveState.textContent = t('cameraSettings.needCorners');
        }),
        action(t('cameraSettings.undoCorner'), { mask: 'undo' }, () => editor.undo()),
        action(t('cameraSettings.clearMasks'), { mask: 'clear' }, () => editor.clear()),
      ),
      maskList,
    ),
    el(
      'div',
      { class: 'settings-row settings-save' },
      el(
        'button',
        {
          type: 'submit',
          class: 'button primary',
          id: 'save-settings',
          dataset: { action: 'save', changes: '' },
        },
        t('cameraSettings.save'),
      ),
      saveState,
    ),
  );

  sensitivity.addEventListener('change', () => {
    draft.sensitivity = Number(sensitivity.value);
    markUnsaved();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (saving) return;
    // A polygon with its corners drawn is meant to be saved too.
    if (editor.corners >= 3) editor.close();
    const who = await actorFields();
    if (!who) return;
    saving = true;
    saveState.textContent = t('cameraSettings.saving');
    try {
      current = await send(path, 'PUT', { settings: draft, ...who });
      // The same object: the mask editor draws from it.
      for (const key of Object.keys(draft)) delete draft[key];
      Object.assign(draft, JSON.parse(JSON.stringify(current.settings)));
      renderDraft();
      editor.reset();
      saveState.textContent = t('cameraSettings.saved', { version: current.version });
      renderState();
      void loadChanges();
      pollWhilePending();
    } catch (error) {
      saveState.textContent = t('cameraSettings.saveFailed', { message: error.message });
    } finally {
      saving = false;
    }
  });

  untilInput.value = vietnamInputValue((draft.muteUntil ?? Date.now()) + (draft.muteUntil ? 0 : HOUR_MS));
  container.append(
    el('div', { class: 'settings-head' }, status, lastChange),
    form,
    el('section', { class: 'settings-group' }, el('h3', {}, t('cameraSettings.changes')), changesList),
  );
  renderState();
  renderDraft();
  editor.reset();
  void loadChanges();
  pollWhilePending();
  return () => clearTimeout(timer);
}

registerView({
  name: 'camera',
  feature: 'cameras',
  title: ([edgeId, cameraId] = []) =>
    t('cameraSettings.title', { camera: `${cameraId ?? '?'} @ ${edgeId ?? '?'}` }),
  mount,
});
