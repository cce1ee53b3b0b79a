// The service worker: keeps the logged-in participant's own agenda readable without a network.
// Served from /sw.js (matchmaker/offline) and registered by static/app.js with the scope of
// the participants' area (/me/) only when a participant is logged in.
//
// Network first: the agenda page and its stylesheet and script are always asked of the server;
// each good answer replaces the kept copy. Only when the network fails (or the server answers
// 5xx) is the kept copy shown. The page carries the time it was made, so the copy says its age.
// Nothing else is kept: no other page, no other person's data. Logging out deletes the copy
// (the logout response's Clear-Site-Data header, and app.js on any page not a participant's);
// so does an answer sending the agenda's request to the login page (the session ended).
'use strict';

var CACHE = 'matchmaker-agenda-v1';
var AGENDA = new URL('agenda', self.registration.scope).href;
var ASSETS = ['static/app.css', 'static/app.js'].map(function (path) {
  return new URL(path, self.location).href;
});
// Pages (by client id) that were given the kept copy: app.js asks, to show its banner even
// when the phone believes it is online (a venue Wi-Fi without internet).
var servedFromCache = new Set();

function keyOf(url) {
  var parsed = new URL(url);
  return parsed.origin + parsed.pathname;  // ?lang= and the like: one copy per page
}

function isKept(key) {
  return key === AGENDA || ASSETS.indexOf(key) !== -1;
}

function isGood(response) {
  return response.ok && response.type === 'basic' && !response.redirected;
}

function forget() {
  return caches.delete(CACHE);
}

// Ask the server; keep a good answer; on failure, give the kept copy if there is one.
function networkFirst(event, key) {
  function fromCache(failure) {
    return caches.open(CACHE)
      .then(function (cache) { return cache.match(key, {ignoreSearch: true, ignoreVary: true}); })
      .then(function (kept) {
        if (!kept) { return failure; }
        if (event.resultingClientId) { servedFromCache.add(event.resultingClientId); }
        return kept;
      });
  }
  return fetch(event.request).then(function (response) {
    if (isGood(response)) {
      var copy = response.clone();
      event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(key, copy); }));
      return response;
    }
    if (key === AGENDA && (response.type === 'opaqueredirect' || response.redirected ||
                           response.status === 401 || response.status === 403)) {
      event.waitUntil(forget());  // logged out, or someone else: keep nobody's agenda
      return response;
    }
    return response.status >= 500 ? fromCache(response) : response;
  }, function () {
    return fromCache(Response.error());
  });
}

// Keep the agenda from the start, so it opens offline even before it was visited online.
function keepAgenda() {
  return caches.open(CACHE).then(function (cache) {
    return Promise.all([AGENDA].concat(ASSETS).map(function (url) {
      return fetch(url, {credentials: 'same-origin'}).then(function (response) {
        return isGood(response) ? cache.put(url, response) : null;
      });
    }));
  }).catch(function () { return null; });  // offline while installing: the next visit keeps it
}

self.addEventListener('install', function (event) {
  event.waitUntil(keepAgenda().then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (name) {
      return name.indexOf('matchmaker-agenda') === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  if (event.request.method !== 'GET') { return; }
  var key = keyOf(event.request.url);
  if (isKept(key)) { event.respondWith(networkFirst(event, key)); }
});

self.addEventListener('message', function (event) {
  var data = event.data || {};
  if (data.type === 'which-copy' && event.source) {
    event.source.postMessage({type: 'copy', cached: servedFromCache.has(event.source.id)});
    servedFromCache.delete(event.source.id);
  } else if (data.type === 'forget') {
    event.waitUntil(forget());
  }
});
