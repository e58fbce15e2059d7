// HTTP to /v1: the bearer token, JSON, and the contract's error shape. Status 0 = no network.
let config = { api_base: '', auth: { mode: 'local' } };
export const setConfig = (c) => { config = { ...config, ...c }; };
export const getConfig = () => config;

const TOKEN = 'lindung.field.token';
export const session = {
  get token() { return localStorage.getItem(TOKEN); },
  set token(v) { if (v) localStorage.setItem(TOKEN, v); else localStorage.removeItem(TOKEN); },
  /** The JWT's claims, read without verifying (the API verifies); null when there is none. */
  get claims() {
    try { return JSON.parse(atob(this.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))); } catch { return null; }
  },
  get expired() {
    const exp = this.claims?.exp;
    return !this.token || (exp !== undefined && exp * 1000 <= Date.now());
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    const err = body?.error;
    super(err?.message || body?.message || (status === 0 ? 'Tidak ada jaringan' : `HTTP ${status}`));
    this.status = status;
    this.code = err?.code || (status === 0 ? 'NETWORK' : `HTTP_${status}`);
    this.fields = err?.fields || {};
  }
}

export function url(path, query) {
  const q = Object.entries(query || {}).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return `${config.api_base || ''}${path}${q.length ? `?${new URLSearchParams(q)}` : ''}`;
}

export async function request(method, path, { query, json, auth = true } = {}) {
  const headers = {};
  if (auth && session.token) headers.Authorization = `Bearer ${session.token}`;
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url(path, query), { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  } catch (e) {
    throw new ApiError(0, { message: 'Tidak ada jaringan' });
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401 && auth) window.dispatchEvent(new CustomEvent('lindung:unauthenticated'));
    throw new ApiError(res.status, data);
  }
  return data;
}

export const get = (path, query) => request('GET', path, { query });
export const post = (path, json, opts = {}) => request('POST', path, { json, ...opts });
export const put = (path, json) => request('PUT', path, { json });

/** Cognito USER_PASSWORD_AUTH without an SDK (as the admin does): the ID token carries the claims. */
export async function cognitoLogin({ region, client_id: clientId }, username, password) {
  let res;
  try {
    res = await fetch(`https://cognito-idp.${region}.amazonaws.com/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, PASSWORD: password } }),
    });
  } catch { throw new ApiError(0, {}); }
  const data = await res.json().catch(() => ({}));
  if (!res.ok || !data.AuthenticationResult) throw new ApiError(res.status, { message: data.message || 'Gagal masuk' });
  return data.AuthenticationResult.IdToken;
}
