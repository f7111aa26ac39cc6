(function () {
  "use strict";
  var bar = document.getElementById("filters");
  var table = document.getElementById("findings-table");
  if (!bar || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var status = document.getElementById("f-status");
  var band = document.getElementById("f-band");
  var family = document.getElementById("f-family");
  var search = document.getElementById("f-search");
  var count = document.getElementById("f-count");
  function apply() {
    var needle = search.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!status.value || row.getAttribute("data-status") === status.value) &&
        (!band.value || row.getAttribute("data-band") === band.value) &&
        (!family.value || row.getAttribute("data-family") === family.value) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
      row.classList.toggle("is-hidden", !ok);
      if (ok) { shown += 1; }
    });
    count.textContent = String(shown);
  }
  [status, band, family].forEach(function (el) { el.addEventListener("change", apply); });
  Array.prototype.forEach.call(bar.querySelectorAll("button[data-band]"), function (button) {
    button.addEventListener("click", function () { band.value = button.getAttribute("data-band"); apply(); });
  });
  search.addEventListener("input", apply);
  bar.hidden = false;
  apply();
}());
