/* tongban portal: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Print buttons on the printable guide (hidden until JS can honour them).
  function enablePrint(root) {
    root.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // After htmx swaps in a new level of the region picker, move focus to its heading so
  // keyboard and screen-reader users land on what changed.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.elt;
    var heading = document.querySelector("#region-picker [data-focus-after-swap]");
    if (heading && target) { heading.focus(); }
  });

  document.addEventListener("DOMContentLoaded", function () { enablePrint(document); });
})();
