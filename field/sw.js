// The app shell, cached on the first online visit so the app opens with no network at all.
// Shell files: cache first, refreshed in the background for the next start. API calls (/v1/)
// are never touched here: the app keeps its data in IndexedDB and knows when it is offline.
const VERSION = 'lindung-field-v1';
const SHELL = ['index.html', 'manifest.webmanifest', 'config.json', 'css/app.css', 'js/app.js', 'js/api.js',
  'js/db.js', 'js/nik.js', 'js/photo.js', 'js/store.js', 'js/form.js', 'icons/icon-192.png', 'icons/icon-512.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(VERSION).then((c) => c.addAll(SHELL.map((p) => new Request(p, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const scope = new URL(self.registration.scope);
  if (event.request.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    const key = url.pathname === scope.pathname ? new Request('index.html') : event.request;
    const cached = await cache.match(key, { ignoreSearch: true });
    const fresh = fetch(event.request).then((res) => {
      if (res.ok) cache.put(key, res.clone());
      return res;
    });
    if (cached) {
      event.waitUntil(fresh.catch(() => null));
      return cached;
    }
    return fresh;
  })());
});
