// Sorting and filtering for the comparison report: no dependencies, no network, and it
// only reads the page; without it every row is shown.
(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function sortKey(tr, col, numeric) {
    var cell = tr.cells[col];
    if (!cell) return null;
    var v = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (numeric) return v === "" || isNaN(parseFloat(v)) ? null : parseFloat(v);
    return v === "" ? null : v.toLowerCase();
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), undefined, {numeric: true});
  }

  each(document.querySelectorAll("table.sortable thead button.sort"), function (button) {
    button.addEventListener("click", function () {
      var th = button.closest("th"), table = th.closest("table"), col = th.cellIndex;
      var numeric = button.getAttribute("data-type") === "num";
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      each(table.querySelectorAll("thead th[aria-sort]"), function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var sign = dir === "ascending" ? 1 : -1;
      each(table.tBodies, function (tbody) {
        var rows = Array.prototype.slice.call(tbody.querySelectorAll("tr[data-agency]"));
        rows.sort(function (x, y) {
          var a = sortKey(x, col, numeric), b = sortKey(y, col, numeric);
          if (a === null || b === null) return (a === null) - (b === null);  // blanks last
          return sign * compare(a, b);
        });
        rows.forEach(function (r) { tbody.appendChild(r); });
      });
    });
  });

  var form = document.getElementById("controls");
  if (!form) return;
  form.hidden = false;
  var query = document.getElementById("q"), out = document.getElementById("shown");
  var selects = form.querySelectorAll("select[data-filter]");
  var rows = document.querySelectorAll("tr[data-agency]");
  var counted = document.querySelectorAll("#t-scores tr[data-agency]");

  // Only the scores table carries the attributes filters read; every other table follows it.
  function apply() {
    var text = query.value.trim().toLowerCase(), want = [], hidden = {}, shown = 0;
    each(selects, function (s) { if (s.value) want.push([s.getAttribute("data-filter"), s.value]); });
    each(counted, function (tr) {
      var ok = !text || tr.getAttribute("data-q").indexOf(text) >= 0;
      want.forEach(function (w) { if (tr.getAttribute("data-" + w[0]) !== w[1]) ok = false; });
      hidden[tr.getAttribute("data-agency")] = !ok;
      if (ok) shown += 1;
    });
    each(rows, function (tr) { tr.hidden = hidden[tr.getAttribute("data-agency")] === true; });
    each(document.querySelectorAll("tbody"), function (tbody) {
      var group = tbody.querySelector("tr.group");
      if (group) group.hidden = !tbody.querySelector("tr[data-agency]:not([hidden])");
    });
    out.textContent = "Showing " + shown + " of " + counted.length + " agencies";
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();

  // Printing shows the evidence behind every value.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    each(document.querySelectorAll("details:not([open])"), function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
