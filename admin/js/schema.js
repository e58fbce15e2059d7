// Screens are built from /v1/openapi.json: the request and response schemas the API validates
// with. This module resolves $refs and turns pydantic's `anyOf: [X, null]` into plain X, so a
// form or grid library gets simple JSON Schema. Nothing here knows an enrolment's fields.
import { get } from './api.js';

let doc = null;
export async function loadOpenApi(force = false) {
  if (!doc || force) doc = await get('/v1/openapi.json');
  return doc;
}
export const openapi = () => doc;
/** For tests: replace the document (the e2e suite also swaps it at the network level). */
export const setOpenApi = (d) => { doc = d; };

function resolve(schema, seen = new Set()) {
  if (!schema || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map((s) => resolve(s, seen));
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop();
    if (seen.has(name)) return {};
    return resolve({ ...doc.components.schemas[name], ...without(schema, '$ref') }, new Set([...seen, name]));
  }
  const out = {};
  for (const [k, v] of Object.entries(schema)) out[k] = typeof v === 'object' ? resolve(v, seen) : v;
  const alts = out.anyOf || out.oneOf;
  if (alts) {
    const real = alts.filter((a) => a.type !== 'null');
    if (real.length === 1) {
      const merged = { ...real[0], ...without(out, 'anyOf', 'oneOf') };
      if (merged.default === null) delete merged.default;
      merged.nullable = real.length < alts.length;
      return merged;
    }
  }
  return out;
}
const without = (o, ...keys) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

export const component = (name) => (doc?.components?.schemas?.[name] ? resolve({ $ref: `#/components/schemas/${name}` }) : null);

const operation = (method, path) => doc?.paths?.[path]?.[method.toLowerCase()] || null;
export const hasRoute = (method, path) => Boolean(operation(method, path));

export function requestSchema(method, path) {
  const op = operation(method, path);
  const content = op?.requestBody?.content;
  return content ? resolve(Object.values(content)[0].schema) : null;
}

export function responseSchema(method, path) {
  const op = operation(method, path);
  const ok = op && Object.entries(op.responses).find(([code]) => code.startsWith('2'));
  const content = ok?.[1]?.content;
  return content ? resolve(Object.values(content)[0].schema) : null;
}

/** The query parameters of a list route (filters), each with its resolved schema. */
export function queryParams(method, path) {
  const op = operation(method, path);
  return (op?.parameters || []).filter((p) => p.in === 'query').map((p) => ({ ...p, schema: resolve(p.schema) }));
}

/** The item schema of a `{items, next_cursor}` list response. */
export function listItemSchema(method, path) {
  return responseSchema(method, path)?.properties?.items?.items || null;
}
