// Harbor's only script: the quick exit and the idle sign-out warning.
// Pages work without it; it never loads anything from another site.
(function () {
  "use strict";

  // Quick exit (R32): replace this history entry with a neutral site, and end the session
  // so the back button finds only the sign-in page.
  function quickExit(link) {
    var endUrl = link.getAttribute("data-session-end-url");
    var token = document.body.getAttribute("data-csrf-token");
    if (endUrl && token && navigator.sendBeacon) {
      var form = new FormData();
      form.append("csrfmiddlewaretoken", token);
      navigator.sendBeacon(endUrl, form);
    }
    document.title = "";
    document.body.hidden = true;
    window.location.replace(link.href);
  }

  function setUpQuickExit() {
    var link = document.querySelector("[data-quick-exit]");
    if (!link) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      quickExit(link);
    });
    var lastEscape = 0;
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var now = Date.now();
      if (now - lastEscape < 1000) quickExit(link);
      lastEscape = now;
    });
  }

  // Idle sign-out: ask the server how long is left (asking does not count as activity),
  // warn two minutes before, and go to the sign-in page when the time is up.
  function setUpIdleWarning() {
    var body = document.body;
    var statusUrl = body.getAttribute("data-session-status-url");
    var warning = document.getElementById("idle-warning");
    if (!statusUrl || !warning) return;
    var countdown = warning.querySelector("[data-idle-countdown]");
    var button = warning.querySelector("[data-keep-alive]");
    var warnAt = 120;

    function show(secondsLeft) {
      var minutes = Math.max(1, Math.ceil(secondsLeft / 60));
      countdown.textContent = "(" + minutes + " min)";
      if (warning.hidden) {
        warning.hidden = false;
        button.focus();
      }
    }

    function check() {
      fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          if (!state.signed_in || state.seconds_left <= 0) {
            window.location.replace(body.getAttribute("data-sign-in-url"));
          } else if (state.seconds_left <= warnAt) {
            show(state.seconds_left);
          } else {
            warning.hidden = true;
          }
        })
        .catch(function () { /* offline: try again at the next tick */ });
    }

    button.addEventListener("click", function () {
      fetch(body.getAttribute("data-keep-alive-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": body.getAttribute("data-csrf-token") },
      }).then(function () { warning.hidden = true; });
    });
    var idle = parseInt(body.getAttribute("data-idle-seconds"), 10) || 600;
    window.setInterval(check, Math.min(30000, Math.max(5000, (idle * 1000) / 10)));
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpQuickExit();
    setUpIdleWarning();
  });
})();
