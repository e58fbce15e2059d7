// What every screen needs: who is signed in, the chosen programme, regions and categories.
import { get } from './api.js';

export const ctx = { me: null, programmes: [], programme: null, districts: [], villages: null };

export async function loadProgrammes() {
  const items = [];
  let cursor = null;
  do {
    const page = await get('/v1/programmes', { limit: 100, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  ctx.programmes = items.sort((a, b) => (b.coverage_start || '').localeCompare(a.coverage_start || ''));
  const wanted = localStorage.getItem('lindung.programme');
  ctx.programme = ctx.programmes.find((p) => p.id === wanted) || ctx.programmes[0] || null;
  return ctx.programmes;
}

export function useProgramme(p) {
  ctx.programme = p;
  if (p) localStorage.setItem('lindung.programme', p.id);
  window.dispatchEvent(new CustomEvent('lindung:programme'));
}

export async function districts() {
  if (!ctx.districts.length) ctx.districts = (await get('/v1/regions', { parent: ctx.me?.regency || '16.03' })).items;
  return ctx.districts;
}

/** Every village of the regency, with its kecamatan name (one request per kecamatan, cached). */
export async function villages() {
  if (!ctx.villages) {
    const ds = await districts();
    const lists = await Promise.all(ds.map((d) => get('/v1/regions', { parent: d.code })
      .then((r) => r.items.map((v) => ({ ...v, district: d.name })))));
    ctx.villages = lists.flat();
  }
  return ctx.villages;
}

export const districtName = (code) => ctx.districts.find((d) => d.code === code)?.name || code;
export const villageName = (code) => ctx.villages?.find((v) => v.code === code)?.name || code;
export const categoryChoices = () => (ctx.programme?.categories || []).map((c) => ({ value: c.code, title: c.label }));
export const categoryLabel = (code) => ctx.programme?.categories?.find((c) => c.code === code)?.label || code;
