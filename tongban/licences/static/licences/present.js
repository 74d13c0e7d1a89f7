/* tongban licences: 出示 — replace the presentation QR code with a fresh one before it expires.
   The page carries data-code-url (same origin, JSON: qr, url, expires_at, expires_local) and
   data-refresh (seconds). A failed fetch greys the code out and retries; without JavaScript the
   page reloads itself (<noscript> meta refresh). */
(function () {
  "use strict";

  function start(section) {
    var url = section.dataset.codeUrl;
    var every = Math.max(10, parseInt(section.dataset.refresh, 10) || 60) * 1000;
    var img = document.getElementById("present-qr");
    var expiry = document.getElementById("present-expiry");
    var link = document.getElementById("present-link");
    var timer = null;

    function schedule(ms) {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, ms);
    }

    function expired() {
      return Date.now() >= Date.parse(expiry.dataset.expiresAt);
    }

    function refresh() {
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (code) {
          img.src = code.qr;
          link.href = code.url;
          expiry.textContent = code.expires_local;
          expiry.dataset.expiresAt = code.expires_at;
          section.classList.remove("present--stale");
          schedule(every);
        })
        .catch(function () {
          if (expired()) { section.classList.add("present--stale"); }
          schedule(5000);
        });
    }

    schedule(every);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && expired()) { refresh(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.querySelector(".present[data-code-url]");
    if (section) { start(section); }
  });
})();
