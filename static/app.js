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

  document.addEventListener('DOMContentLoaded', function () {
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
