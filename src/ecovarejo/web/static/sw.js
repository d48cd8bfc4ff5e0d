// EcoVarejo service worker: offline page, cache-first static assets, network-first pages with a
// cache of recently viewed ones (never the account, admin, cart or checkout pages).
const VERSION = "ev-v1";
const STATIC_CACHE = VERSION + "-static";
const PAGE_CACHE = VERSION + "-pages";
const MAX_PAGES = 30;
const PRECACHE = [
  "/offline",
  "/static/css/app.css?v=1",
  "/static/js/app.js?v=1",
  "/static/vendor/pico.green.min.css?v=1",
  "/static/vendor/htmx.min.js?v=1",
  "/static/icons/icon-192.png",
  "/manifest.webmanifest"
];
const PRIVATE = ["/conta", "/admin", "/carrinho", "/checkout", "/pedido"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => !k.startsWith(VERSION)).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

async function trimPages() {
  const cache = await caches.open(PAGE_CACHE);
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - MAX_PAGES; i++) await cache.delete(keys[i]);
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(req).then((hit) => hit || fetch(req).then((res) => {
        if (res.ok) { const copy = res.clone(); caches.open(STATIC_CACHE).then((c) => c.put(req, copy)); }
        return res;
      }))
    );
    return;
  }
  if (req.mode === "navigate") {
    const cacheable = !PRIVATE.some((p) => url.pathname === p || url.pathname.startsWith(p + "/"));
    event.respondWith(
      fetch(req).then((res) => {
        if (cacheable && res.ok) {
          const copy = res.clone();
          caches.open(PAGE_CACHE).then((c) => c.put(req, copy)).then(trimPages);
        }
        return res;
      }).catch(() => caches.match(req).then((hit) => hit || caches.match("/offline")))
    );
  }
});
