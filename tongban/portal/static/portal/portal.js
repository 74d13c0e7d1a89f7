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

  // The search filters: open on wide screens (collapsed on phones, one tap away), and a changed
  // choice searches at once. Without JS the panel is a <details> with an 应用筛选 button.
  function enableFilters(root) {
    var wide = window.matchMedia && window.matchMedia("(min-width: 48em)").matches;
    root.querySelectorAll("details[data-open-wide]").forEach(function (panel) {
      if (wide) { panel.open = true; }
      panel.querySelectorAll("select").forEach(function (select) {
        select.addEventListener("change", function () {
          var form = select.form;
          if (form && form.requestSubmit) { form.requestSubmit(); } else if (form) { form.submit(); }
        });
      });
    });
  }

  // Forms that record the channel (办件编号 digit: 2 电脑端, 3 移动端) declare it from the device:
  // a mobile browser (User-Agent Client Hints), a touch-first pointer or the phone layout.
  function declareChannel(root) {
    var mobile = (navigator.userAgentData && navigator.userAgentData.mobile) ||
      (window.matchMedia && (window.matchMedia("(pointer: coarse)").matches ||
        window.matchMedia("(max-width: 40em)").matches));
    root.querySelectorAll("input[data-declare-channel]").forEach(function (input) {
      input.value = mobile ? "3" : "2";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enablePrint(document);
    enableFilters(document);
    declareChannel(document);
  });
})();
