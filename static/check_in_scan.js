/* The staff's check-in scanner (templates/organiser/check_in_scan.html): QR codes are read in
   the browser by jsQR (static/vendor/jsQR.js) from the camera, from a photo, or typed, and the
   code is sent to the server, which checks the person in and says what happened. */
(function () {
  'use strict';

  //: The same code read again within this many ms of its last reading is the same scan.
  var REPEAT_MS = 4000;
  //: Photos are scaled down to this many pixels a side before decoding (speed on phones).
  var MAX_SIDE = 1200;

  function decode(canvas, source, width, height) {
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    var context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(pixels.data, pixels.width, pixels.height);
    return found ? found.data : null;
  }

  function line(parent, className, text) {
    var p = document.createElement('p');
    p.className = className;
    p.textContent = text;
    parent.appendChild(p);
    return p;
  }

  function show(box, answer) {
    box.textContent = '';
    box.className = 'scan-result outcome-' + (answer.outcome || 'failed');
    line(box, 'scan-headline', answer.headline);
    if (answer.name) {
      var who = line(box, 'scan-person', '');
      var name = document.createElement('strong');
      name.className = 'scan-name';
      name.textContent = answer.name;
      who.appendChild(name);
      if (answer.organisation) { who.appendChild(document.createTextNode(' (' + answer.organisation + ')')); }
      var where = [answer.side, answer.table_text, answer.when].filter(Boolean).join(' · ');
      who.appendChild(document.createElement('br'));
      who.appendChild(document.createTextNode(where));
    }
    if (answer.detail) { line(box, 'scan-detail', answer.detail); }
  }

  function scanner(root) {
    var form = document.getElementById('scan-form');
    var box = document.getElementById('scan-result');
    var video = document.getElementById('scan-video');
    var canvas = document.createElement('canvas');
    var last = { code: null, at: 0 };
    var sending = false;

    function send(code) {
      if (sending) { return; }
      // A code held in front of the camera is read on every frame: sent once, and again only
      // after it has been out of sight for a while.
      var now = Date.now();
      var repeat = code === last.code && now - last.at < REPEAT_MS;
      last = { code: code, at: now };
      if (repeat) { return; }
      sending = true;
      var data = new FormData(form);
      data.set('code', code);
      fetch(form.action, {
        method: 'POST', body: data, credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      }).then(function (response) {
        var json = (response.headers.get('Content-Type') || '').indexOf('json') !== -1;
        // Anything but our answer is the app's error page: an expired form or session.
        return json ? response.json() : { outcome: 'failed', headline: root.dataset.expired };
      }).then(function (answer) {
        show(box, answer);
      }).catch(function () {
        show(box, { outcome: 'failed', headline: root.dataset.failed });
      }).then(function () { sending = false; });
    }

    function watch(stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      show(box, { outcome: 'looking', headline: root.dataset.looking });
      (function frame() {
        if (video.readyState >= video.HAVE_ENOUGH_DATA) {
          var code = decode(canvas, video, video.videoWidth, video.videoHeight);
          if (code) { send(code); }
        }
        window.requestAnimationFrame(frame);
      })();
    }

    document.getElementById('scan-camera').addEventListener('click', function (click) {
      click.target.disabled = true;
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        show(box, { outcome: 'failed', headline: root.dataset.noCamera });
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
        .then(watch)
        .catch(function () { show(box, { outcome: 'failed', headline: root.dataset.noCamera }); });
    });

    document.getElementById('scan-photo').addEventListener('change', function (change) {
      var file = change.target.files && change.target.files[0];
      if (!file) { return; }
      // An image bitmap, not an object URL: the page's CSP allows no blob: images.
      window.createImageBitmap(file).then(function (bitmap) {
        var code = decode(canvas, bitmap, bitmap.width, bitmap.height);
        last.code = null;  // a new photo of the same code is a deliberate retry
        if (code) { send(code); } else { show(box, { outcome: 'failed', headline: root.dataset.noCode }); }
      }).catch(function () { show(box, { outcome: 'failed', headline: root.dataset.noCode }); });
      change.target.value = '';
    });

    form.addEventListener('submit', function (submit) {
      submit.preventDefault();
      var input = document.getElementById('scan-code');
      last.code = null;
      send(input.value.trim());
      input.value = '';
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var root = document.getElementById('check-in-scanner');
    if (root && window.jsQR) { scanner(root); }
  });
})();
