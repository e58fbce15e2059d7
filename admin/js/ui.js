// Small DOM helpers shared by the screens (no framework: the libraries do the heavy lifting).
import { t } from './i18n.js';

/** h('button', {class: 'primary', onclick}, 'Simpan') */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

export function flash(message, kind = 'ok') {
  const box = document.getElementById('flash');
  const item = h('div', { class: `alert ${kind}` }, message);
  box.replaceChildren(item);
  setTimeout(() => { if (item.isConnected) item.remove(); }, 5000);
}

/** The API's error as people should read it: its Bahasa message and each field's reason. */
export function errorBox(err, labelOf = (f) => f) {
  if (!err) return h('div');
  const fields = Object.entries(err.fields || {});
  return h('div', { class: 'alert error', role: 'alert', 'data-code': err.code },
    err.status === 0 ? t('error.network') : (err.message || t('error.generic')),
    fields.length ? h('ul', {}, fields.map(([f, m]) => h('li', { 'data-field': f }, h('b', {}, labelOf(f)), ': ', m))) : null);
}

export function download(filename, blob) {
  const a = h('a', { href: URL.createObjectURL(blob), download: filename });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

/** RFC 4180 CSV of rows (arrays); enough for an error report, not a spreadsheet engine. */
export function csv(rows) {
  const cell = (v) => { const s = v === null || v === undefined ? '' : String(v); return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);  // WIB
