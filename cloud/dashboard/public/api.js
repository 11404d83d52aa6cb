// Calls to the cloud's HTTP API from any part of the page, with the one "API problem" line in the header.
import { t } from './i18n.js';

const apiErrors = new Map();

export function showApiErrors() {
  const box = document.getElementById('api-error');
  const messages = [...apiErrors.values()];
  box.hidden = messages.length === 0;
  box.textContent = messages.length ? t('header.apiProblem', { message: messages[0] }) : '';
}

/**
 * GET (or `init`) a JSON API path. A failure is shown in the header until the same path answers again, and is
 * thrown, with the server's `error` text, for the caller to show next to what failed.
 */
export async function api(path, init) {
  const key = path.split('?')[0];
  try {
    const response = await fetch(path, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(`${key}: HTTP ${response.status}${body.error ? ` — ${body.error}` : ''}`);
      error.status = response.status;
      error.body = body;
      throw error;
    }
    if (apiErrors.delete(key)) showApiErrors();
    return body;
  } catch (error) {
    // A refused change (4xx to a POST/PUT…) is the caller's to show next to the form, not a problem of the API.
    const refusedChange = init?.method && init.method !== 'GET' && error.status >= 400 && error.status < 500;
    if (!refusedChange) {
      apiErrors.set(key, error.name === 'TimeoutError' ? t('header.noAnswer', { path: key }) : error.message);
      showApiErrors();
    }
    throw error;
  }
}

/** POST/PUT/PATCH a JSON body. */
export function send(path, method, body) {
  return api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
