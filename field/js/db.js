// IndexedDB in a few calls. Everything the officer does is written here before the screen says
// so: `write` resolves only when the transaction has committed (durability "strict": flushed to
// disk, so a browser restart right after "tersimpan" keeps it).
const NAME = 'lindung-field';
const VERSION = 1;
export const STORES = ['kv', 'records', 'programmes', 'ops', 'results', 'photos'];
let opening = null;

export function open() {
  opening ||= new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('kv');                                            // meta: cursor, me, last sync, schema
      db.createObjectStore('records', { keyPath: 'id' });                    // enrolments as the server last said
      db.createObjectStore('programmes', { keyPath: 'id' });
      db.createObjectStore('ops', { keyPath: 'seq', autoIncrement: true });  // the queue, in order
      db.createObjectStore('results', { keyPath: 'op_id' });                 // conflicts and rejections to act on
      db.createObjectStore('photos', { keyPath: 'job_id' });                 // compressed photos waiting to upload
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

const done = (req) => new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });

export async function getAll(store) {
  const db = await open();
  return done(db.transaction(store).objectStore(store).getAll());
}

export async function get(store, key) {
  const db = await open();
  return done(db.transaction(store).objectStore(store).get(key));
}

/** write(['ops', 'photos'], (s) => { s.ops.add(op); ... }): synchronous puts and deletes in one
 * transaction; resolves with fn's return value once it has committed. */
export async function write(stores, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(stores, 'readwrite', { durability: 'strict' });
    const s = Object.fromEntries(stores.map((n) => [n, tx.objectStore(n)]));
    let out;
    try { out = fn(s); } catch (e) { tx.abort(); reject(e); return; }
    tx.oncomplete = () => resolve(out);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaksi dibatalkan'));
  });
}
