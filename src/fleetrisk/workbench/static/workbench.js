// fleetrisk workbench: reload the page when the model file changes on disk (an edit in the
// author's own editor, or a change made from another tab). While a form on the page has
// unsaved input, say so instead of reloading, so nothing typed is lost.
(function () {
  "use strict";
  var shown = document.body.getAttribute("data-version");
  var dirty = false;
  // Once a form is sent the server's answer is on its way (the saved page, or the next one):
  // reloading this page now would cancel that navigation, so the checks stop.
  var leaving = false;
  document.addEventListener("input", function () { dirty = true; });
  document.addEventListener("submit", function () { dirty = false; leaving = true; });
  window.addEventListener("pageshow", function (e) { if (e.persisted) { leaving = false; } });
  function check() {
    if (leaving) { return; }
    fetch("/version", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (leaving || !data || data.version === shown) { return; }
        if (dirty) {
          document.getElementById("reload-note").hidden = false;
        } else {
          window.location.reload();
        }
      })
      .catch(function () { /* the server stopped: keep the page as it is */ });
  }
  setInterval(check, 1000);
  var picker = document.getElementById("path-picker");
  if (picker) {
    picker.addEventListener("change", function () { leaving = true; picker.form.submit(); });
  }
})();
