// The app's only script, served from /static (the Content-Security-Policy allows no inline
// script). Each behaviour hooks onto markup that works without it.
(function () {
  'use strict';

  // A job page follows its job until it ends, then reloads to show the result.
  function followJob(box) {
    var bar = document.getElementById('job-progress');
    var message = document.getElementById('job-message');
    function poll() {
      fetch(box.dataset.url, {headers: {'Accept': 'application/json'}, credentials: 'same-origin'})
        .then(function (r) { return r.json(); })
        .then(function (job) {
          bar.value = job.progress;
          message.textContent = job.message;
          if (job.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 1000);
  }

  // A participant picker (templates/organiser/pair_form.html): the text field becomes a
  // combobox listing the server's matches as one types; picking one fills the hidden id.
  // Without this script the text alone is sent and the server resolves it.
  function participantPicker(box, n) {
    var input = box.querySelector('input[type="text"]');
    var chosen = box.querySelector('input[type="hidden"]');
    var list = document.createElement('ul');
    var status = document.createElement('p');
    var timer = null, active = -1, items = [], asked = 0;
    list.id = 'picker-list-' + n;
    list.className = 'picker-list';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', input.labels && input.labels[0] ? input.labels[0].textContent : '');
    list.hidden = true;
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    input.after(list, status);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', list.id);
    input.setAttribute('aria-expanded', 'false');

    function close() {
      list.hidden = true; active = -1;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
    }
    function highlight(index) {
      var options = list.children;
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute('aria-selected', i === active ? 'true' : 'false');
      }
      input.setAttribute('aria-activedescendant', options[active].id);
      options[active].scrollIntoView({block: 'nearest'});
    }
    function pick(index) {
      var item = items[index];
      if (!item) { return; }
      input.value = item.label; chosen.value = item.id;
      close();
    }
    function show(results) {
      items = results; list.textContent = '';
      results.forEach(function (item, i) {
        var option = document.createElement('li');
        option.id = list.id + '-' + i;
        option.setAttribute('role', 'option');
        option.setAttribute('aria-selected', 'false');
        option.textContent = item.label;
        option.addEventListener('mousedown', function (e) { e.preventDefault(); pick(i); });
        list.appendChild(option);
      });
      status.textContent = box.dataset.found.replace('%(n)s', results.length);
      list.hidden = !results.length;
      input.setAttribute('aria-expanded', results.length ? 'true' : 'false');
      active = -1;
    }
    function search() {
      var ask = ++asked;
      var url = box.dataset.url + '?kind=' + encodeURIComponent(box.dataset.kind) +
        '&q=' + encodeURIComponent(input.value);
      fetch(url, {headers: {'Accept': 'application/json'}, credentials: 'same-origin'})
        .then(function (r) { return r.json(); })
        .then(function (data) { if (ask === asked) { show(data.results || []); } })
        .catch(function () { close(); });
    }
    input.addEventListener('input', function () {
      chosen.value = '';  // what was picked no longer matches the text
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); if (list.hidden) { search(); } else { highlight(active + 1); } }
      else if (e.key === 'ArrowUp') { e.preventDefault(); highlight(active - 1); }
      else if (e.key === 'Enter' && !list.hidden && active >= 0) { e.preventDefault(); pick(active); }
      else if (e.key === 'Escape') { close(); }
    });
    input.addEventListener('blur', close);
  }

  // The live board asks whether anything changed and reloads only then (forms stay usable).
  function followBoard(board) {
    var every = Number(board.dataset.poll) || 15000;
    function poll() {
      fetch(board.dataset.url, {headers: {'Accept': 'application/json'}, credentials: 'same-origin'})
        .then(function (r) { return r.json(); })
        .then(function (state) {
          if (state.fingerprint !== board.dataset.fingerprint) { window.location.reload(); }
          else { setTimeout(poll, every); }
        })
        .catch(function () { setTimeout(poll, every); });
    }
    setTimeout(poll, every);
  }

  // Offline agenda (static/sw.js). A participant's pages register the service worker for
  // their area; every other page (the login page after logging out among them) drops what it
  // kept and unregisters it, so a shared phone keeps nobody's agenda.
  function offlineWorker(body) {
    if (!('serviceWorker' in navigator)) { return; }
    if (body.dataset.offlineWorker) {
      navigator.serviceWorker.register(body.dataset.offlineWorker, {scope: body.dataset.offlineScope})
        .catch(function () { /* no offline copy: the page itself works as before */ });
    } else if (body.hasAttribute('data-offline-forget')) {
      if (window.caches) {
        caches.keys().then(function (keys) {
          keys.filter(function (name) { return name.indexOf('matchmaker-agenda') === 0; })
            .forEach(function (name) { caches.delete(name); });
        });
      }
      navigator.serviceWorker.getRegistrations().then(function (registrations) {
        registrations.forEach(function (registration) { registration.unregister(); });
      });
    }
  }

  // The agenda says when it is a kept copy: when the phone is offline, or when the service
  // worker answered from its copy (a venue Wi-Fi without internet). Once the server answers
  // again it reloads: the "online" event only means a network is there, not the server.
  function offlineBanner(banner) {
    var timer = null;
    function show() { banner.hidden = false; }
    function probe() {  // /healthz is never kept by the worker: it answers only when online
      clearTimeout(timer);
      fetch(banner.dataset.probe, {cache: 'no-store'})
        .then(function (r) { if (r.ok) { window.location.reload(); } else { retry(); } })
        .catch(retry);
    }
    function retry() { timer = setTimeout(probe, 10000); }
    function stale() { show(); if (timer === null) { retry(); } }
    if (!navigator.onLine) { show(); }
    window.addEventListener('offline', show);
    window.addEventListener('online', function () { if (!banner.hidden) { probe(); } });
    var worker = navigator.serviceWorker;
    if (worker && worker.controller) {
      worker.addEventListener('message', function (event) {
        if (event.data && event.data.type === 'copy' && event.data.cached) { stale(); }
      });
      if (worker.startMessages) { worker.startMessages(); }
      worker.controller.postMessage({type: 'which-copy'});
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    offlineWorker(document.body);
    var offline = document.getElementById('offline-banner');
    if (offline) { offlineBanner(offline); }
    var board = document.getElementById('live-board');
    if (board) { followBoard(board); }
    document.querySelectorAll('[data-picker]').forEach(participantPicker);
    var job = document.querySelector('#job[data-follow]');
    if (job) { followJob(job); }
    document.querySelectorAll('[data-print]').forEach(function (button) {
      button.addEventListener('click', function () { window.print(); });
    });
    document.querySelectorAll('input.copy').forEach(function (input) {
      input.addEventListener('click', function () { input.select(); });
    });
  });
})();
