// Sign-in: the local stack mints a token (POST /v1/local/login, local stage only); in AWS the
// Cognito user pool (USER_PASSWORD_AUTH); pasting a token works everywhere.
import { getConfig, post, session } from '../api.js';
import { t } from '../i18n.js';
import { home, signedIn } from '../main.js';
import { errorBox, h } from '../ui.js';

export async function render(main) {
  const { auth } = getConfig();
  const error = h('div');
  const done = async (token) => {
    session.token = token;
    try { await signedIn(); location.hash = home(); } catch (e) { session.token = null; error.replaceChildren(errorBox(e)); }
  };
  const guard = (fn) => async (ev) => { ev.preventDefault(); error.replaceChildren(); try { await fn(ev.target); } catch (e) { error.replaceChildren(errorBox(e)); } };

  const forms = [];
  if (auth.mode === 'local') {
    forms.push(h('form', { class: 'card', id: 'local-login', onsubmit: guard(async (f) => {
      const villages = f.villages.value.split(',').map((v) => v.trim()).filter(Boolean);
      done((await post('/v1/local/login', { role: f.role.value, villages })).token);
    }) },
    h('h2', {}, t('login.local')),
    h('label', { for: 'role' }, t('login.role')),
    h('select', { id: 'role', name: 'role' }, ['admin', 'officer', 'viewer'].map((r) => h('option', { value: r }, t(`role.${r}`)))),
    h('label', { for: 'villages' }, t('login.villages')),
    h('input', { id: 'villages', name: 'villages', placeholder: '16.03.01.2011,16.03.01.2012' }),
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, t('login.submit')))));
  } else {
    forms.push(h('form', { class: 'card', id: 'cognito-login', onsubmit: guard(async (f) => {
      done(await cognitoLogin(auth.cognito, f.username.value, f.password.value));
    }) },
    h('h2', {}, t('login.cognito')),
    h('label', { for: 'username' }, t('login.username')), h('input', { id: 'username', name: 'username', autocomplete: 'username' }),
    h('label', { for: 'password' }, t('login.password')), h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password' }),
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, t('login.submit')))));
  }
  forms.push(h('form', { class: 'card', id: 'token-login', onsubmit: guard(async (f) => done(f.token.value.trim())) },
    h('h2', {}, t('login.paste')),
    h('label', { for: 'token' }, t('login.token')), h('textarea', { id: 'token', name: 'token', rows: 3 }),
    h('p', {}, h('button', { type: 'submit' }, t('login.submit')))));
  main.replaceChildren(h('div', { class: 'login' }, h('h1', {}, t('login.title')), error, ...forms));
}

/** Cognito USER_PASSWORD_AUTH without an SDK: the ID token carries cognito:groups and custom:*. */
async function cognitoLogin({ region, client_id: clientId }, username, password) {
  const res = await fetch(`https://cognito-idp.${region}.amazonaws.com/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, PASSWORD: password } }),
  });
  const data = await res.json();
  if (!res.ok || !data.AuthenticationResult) throw Object.assign(new Error(data.message || 'Login gagal'), { fields: {} });
  return data.AuthenticationResult.IdToken;
}
