/* tongban cases: show a conditional form section only when its condition holds.
   Sections carry data-when-field / data-when-equals; without JS every section shows and the
   server validates only the sections whose condition holds. Hidden sections' fields are
   disabled so they are not sent. */
(function () {
  "use strict";

  function valueOf(form, name) {
    var fields = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < fields.length; i++) {
      var el = fields[i];
      if (el.type === "checkbox") { return el.checked ? "on" : ""; }
      if (el.type === "radio") { if (el.checked) { return el.value; } continue; }
      return el.value;
    }
    return "";
  }

  function refresh(form) {
    form.querySelectorAll("[data-when-field]").forEach(function (section) {
      var shown = valueOf(form, section.dataset.whenField) === section.dataset.whenEquals;
      section.hidden = !shown;
      section.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !shown; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-when-field]")) { return; }
      refresh(form);
      form.addEventListener("change", function () { refresh(form); });
      form.addEventListener("input", function () { refresh(form); });
    });
    var error = document.getElementById("form-error");
    if (error) { error.focus(); }
  });
})();
