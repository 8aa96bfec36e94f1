import { api, ApiError } from '../api.js';
import { announce, busy, clearError, navigate, showError } from '../app.js';
import { field, h, mount } from '../dom.js';
import { session, tokenClaims } from '../session.js';

/** Sign-in: a steward client's credentials (exchanged for a steward-scoped token) or a pasted token. */
export function renderLogin(main: HTMLElement, reason?: string): void {
  const clientId = h('input', { name: 'client_id', autocomplete: 'username', required: true, spellcheck: 'false' });
  const secret = h('input', { name: 'client_secret', type: 'password', autocomplete: 'current-password', required: true });
  const token = h('textarea', { name: 'access_token', rows: 3, required: true, spellcheck: 'false', autocomplete: 'off' });
  const signIn = h('button', { type: 'submit', className: 'primary' }, 'Sign in');
  const useToken = h('button', { type: 'submit' }, 'Use token');

  const credentials = h(
    'form',
    { className: 'card', 'aria-labelledby': 'login-creds-title', novalidate: true },
    h('h3', { id: 'login-creds-title' }, 'With client credentials'),
    field('Client id', clientId),
    field('Client secret', secret, 'Exchanged for a token with the steward scope; the secret is not stored.'),
    signIn,
  );
  credentials.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!clientId.value.trim() || !secret.value) return showError('Enter the client id and the client secret');
    void busy(signIn, async () => {
      try {
        const issued = await api.token(clientId.value.trim(), secret.value);
        await accept(issued.access_token, issued.expires_in);
      } catch (err) {
        secret.value = '';
        if (err instanceof ApiError && err.code === 'INVALID_SCOPE') showError('This client is not allowed the steward scope: nothing can be shown');
        else if (err instanceof ApiError && err.status === 401) showError('Unknown client or wrong secret');
        else showError(err, 'Sign-in failed');
      }
    });
  });

  const tokenForm = h(
    'form',
    { className: 'card', 'aria-labelledby': 'login-token-title', novalidate: true },
    h('h3', { id: 'login-token-title' }, 'With an access token'),
    field('Access token', token, 'A bearer token with the steward scope.'),
    useToken,
  );
  tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = token.value.trim().replace(/^Bearer\s+/i, '');
    if (!value) return showError('Paste an access token');
    void busy(useToken, async () => {
      try {
        const exp = tokenClaims(value)?.exp;
        await accept(value, exp ? Math.max(0, exp - Date.now() / 1000) : null);
      } catch (err) {
        showError(err, 'Sign-in failed');
      }
    });
  });

  mount(
    main,
    h(
      'section',
      { className: 'login', 'aria-labelledby': 'login-title' },
      h('h2', { id: 'login-title' }, 'Sign in'),
      h('p', {}, 'For data stewards. Every call goes to the REST API with your token, which stays in this browser tab only (session storage) and is forgotten when the tab closes.'),
      reason ? h('p', { className: 'notice' }, reason) : null,
      h('div', { className: 'login-forms' }, credentials, tokenForm),
    ),
  );
  clientId.focus();
}

/** Checks the token against the steward API before keeping it: a token without the scope sees no data. */
async function accept(token: string, expiresIn: number | null): Promise<void> {
  try {
    await api.reviewTasks({ status: 'open', limit: 1 }, token);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) throw new ApiError(403, err.code, 'This token does not carry the steward scope', err.requestId);
    if (err instanceof ApiError && err.status === 401) throw new ApiError(401, err.code, 'The token is not valid or has expired', err.requestId);
    throw err;
  }
  const who = tokenClaims(token)?.sub ?? 'steward';
  session.save(token, who, expiresIn);
  clearError();
  announce(`Signed in as ${who}`);
  navigate('#/queue');
}
