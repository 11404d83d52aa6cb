// Who acts: the logged-in API account when the cloud has operator accounts, else a name the operator types once.
import { t } from './i18n.js';

const OPERATOR_KEY = 'lookout.operator';
let account;

/** The API account the browser logged in with (HTTP Basic), from the dashboard config; undefined = none. */
export function setAccount(value) {
  account = value;
  showOperator();
}

function operatorName() {
  return account?.username ?? localStorage.getItem(OPERATOR_KEY) ?? undefined;
}

export function showOperator() {
  document.getElementById('operator-name').textContent = account
    ? t('operator.account', { username: account.username, role: account.role })
    : (operatorName() ?? t('operator.notSet'));
  const button = document.getElementById('operator-button');
  // Logged in: the server records the login as who acted; there is no name to choose.
  button.disabled = account !== undefined;
  button.title = t(account ? 'operator.loggedInTitle' : 'operator.title');
  document.body.dataset.role = account?.role ?? 'open';
}

/** Asks for the operator's name (once; kept in localStorage). Resolves undefined when cancelled. */
export function askOperator() {
  const dialog = document.getElementById('operator-dialog');
  const input = document.getElementById('operator-input');
  const form = document.getElementById('operator-form');
  input.value = operatorName() ?? '';
  return new Promise((resolve) => {
    const done = (value) => {
      form.removeEventListener('submit', onSubmit);
      document.getElementById('operator-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onSubmit = (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      localStorage.setItem(OPERATOR_KEY, name);
      showOperator();
      done(name);
    };
    const onCancel = (event) => {
      event.preventDefault();
      done(undefined);
    };
    form.addEventListener('submit', onSubmit);
    document.getElementById('operator-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    input.focus();
  });
}

/**
 * The part of an action's body that says who acts: `{}` when logged in (the cloud records the account and ignores
 * `by`), `{ by }` otherwise; undefined when the operator cancelled the name dialog (do not send the action).
 */
export async function actorFields() {
  if (account) return {};
  const by = operatorName() ?? (await askOperator());
  return by ? { by } : undefined;
}
