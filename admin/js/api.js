// The one place that talks HTTP to /v1: bearer token, JSON, the contract's error shape.
let config = { api_base: '', auth: { mode: 'local' } };
export const setConfig = (c) => { config = c; };
export const getConfig = () => config;

// localStorage so a second tab is signed in too (and can show the stale-edit conflict).
export const session = {
  get token() { return localStorage.getItem('lindung.token'); },
  set token(v) { if (v) localStorage.setItem('lindung.token', v); else localStorage.removeItem('lindung.token'); },
};

export class ApiError extends Error {
  constructor(status, body, path) {
    const err = body?.error;
    super(err?.message || body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = err?.code || (status === 0 ? 'NETWORK' : 'HTTP_' + status);
    this.fields = err?.fields || {};
    this.extra = err || {};
    this.path = path;
  }
}

export function url(path, query) {
  const q = query ? Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '') : [];
  const qs = q.length ? '?' + new URLSearchParams(q).toString() : '';
  return `${config.api_base || ''}${path}${qs}`;
}

/** request('GET', '/v1/me') -> {data, headers, status}; throws ApiError with the API's message and fields. */
export async function request(method, path, { query, json, body, contentType, headers = {}, auth = true } = {}) {
  const h = { ...headers };
  if (auth && session.token) h.Authorization = `Bearer ${session.token}`;
  let payload = body;
  if (json !== undefined) { payload = JSON.stringify(json); h['Content-Type'] = 'application/json'; }
  else if (contentType) h['Content-Type'] = contentType;
  let res;
  try {
    res = await fetch(url(path, query), { method, headers: h, body: payload });
  } catch (e) {
    throw new ApiError(0, { message: String(e) }, path);
  }
  const type = res.headers.get('Content-Type') || '';
  const data = res.status === 204 ? null : type.includes('json') ? await res.json().catch(() => null) : await res.blob();
  if (!res.ok) {
    if (res.status === 401 && auth) window.dispatchEvent(new CustomEvent('lindung:unauthenticated'));
    throw new ApiError(res.status, data, path);
  }
  return { data, headers: res.headers, status: res.status };
}

export const get = async (path, query) => (await request('GET', path, { query })).data;
export const post = async (path, json) => (await request('POST', path, { json })).data;
export const put = async (path, json) => (await request('PUT', path, { json })).data;
