// Sorting and filtering for the comparison report: no dependencies, no network, and it
// only reads the page; without it every row is shown and every count is the full one.
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

  // A wide table scrolls inside its frame, and says so, only when it does not fit.
  function markOverflow() {
    each(document.querySelectorAll(".wrap[data-scroll]"), function (w) {
      w.classList.toggle("overflows", w.scrollWidth > w.clientWidth + 1);
    });
  }
  markOverflow();
  window.addEventListener("resize", markOverflow);

  var form = document.getElementById("controls");
  if (!form) return;
  form.hidden = false;
  var query = document.getElementById("q"), out = document.getElementById("shown");
  var selects = form.querySelectorAll("select[data-filter]");
  var counted = document.querySelectorAll("#t-summary tr[data-agency]");
  var tagged = document.querySelectorAll("[data-agency]");

  // Every count names the agencies behind it (data-members); a filter recounts them.
  function count(el, visible) {
    var n = 0;
    (el.getAttribute("data-members") || "").split(" ").forEach(function (i) { if (i && visible[i]) n += 1; });
    return n;
  }

  function redrawStack(svg, visible) {
    var groups = svg.querySelectorAll("g[data-members]"), counts = [], total = 0, x = 0;
    each(groups, function (g) { var n = count(g, visible); counts.push(n); total += n; });
    each(groups, function (g, i) {
      var width = total ? 100 * counts[i] / total : 0, rect = g.querySelector("rect"), label = g.querySelector("text");
      rect.setAttribute("x", x.toFixed(2) + "%");
      rect.setAttribute("width", width.toFixed(2) + "%");
      label.setAttribute("x", (x + width / 2).toFixed(2) + "%");
      label.textContent = counts[i];
      label.setAttribute("visibility", width >= 7 ? "visible" : "hidden");
      g.setAttribute("display", counts[i] ? "inline" : "none");
      x += width;
    });
  }

  function redrawHist(svg, visible) {
    var groups = svg.querySelectorAll("g[data-members]"), counts = [], top = 0;
    var base = parseFloat(svg.querySelector("line.axis").getAttribute("y1"));
    each(groups, function (g) { var n = count(g, visible); counts.push(n); top = Math.max(top, n); });
    each(groups, function (g, i) {
      var h = top ? (base - 12) * counts[i] / top : 0, rect = g.querySelector("rect"), label = g.querySelector("text");
      rect.setAttribute("y", (base - h).toFixed(1));
      rect.setAttribute("height", h.toFixed(1));
      label.setAttribute("y", (base - h - 2).toFixed(1));
      label.textContent = counts[i] ? counts[i] : "";
    });
  }

  var KEYS = ["q"];
  each(selects, function (s) { KEYS.push(s.getAttribute("data-filter")); });

  function control(key) {
    return key === "q" ? query : form.querySelector("select[data-filter=" + key + "]");
  }

  // The filter lives in the address (?county=Middlesex), so a filtered view can be shared.
  function readAddress() {
    var params = new URLSearchParams(window.location.search);
    KEYS.forEach(function (key) {
      var value = params.get(key), el = control(key);
      if (value === null || !el) return;
      if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) return;
      el.value = value;
    });
  }

  function writeAddress() {
    var params = new URLSearchParams();
    KEYS.forEach(function (key) { var el = control(key); if (el && el.value) params.set(key, el.value); });
    var search = params.toString();
    try {
      history.replaceState(null, "", (search ? "?" + search : window.location.pathname) + window.location.hash);
    } catch (e) { /* some browsers refuse for file: pages; the filter still works */ }
  }

  function apply() {
    var text = query.value.trim().toLowerCase(), want = [], visible = {}, shown = 0;
    each(selects, function (s) { if (s.value) want.push([s.getAttribute("data-filter"), s.value]); });
    each(counted, function (tr) {
      var ok = !text || tr.getAttribute("data-q").indexOf(text) >= 0;
      want.forEach(function (w) { if (tr.getAttribute("data-" + w[0]) !== w[1]) ok = false; });
      if (ok) { visible[tr.getAttribute("data-agency")] = true; shown += 1; }
    });
    each(tagged, function (el) { el.hidden = !visible[el.getAttribute("data-agency")]; });
    each(document.querySelectorAll("tbody"), function (tbody) {
      var group = tbody.querySelector("tr.group");
      if (group) group.hidden = !tbody.querySelector("tr[data-agency]:not([hidden])");
    });
    each(document.querySelectorAll("[data-members]:not(g)"), function (el) {
      var n = count(el, visible);
      el.textContent = n;
      var part = el.closest(".part");
      if (part) part.hidden = n === 0;
    });
    each(document.querySelectorAll("svg[data-stack]"), function (svg) { redrawStack(svg, visible); });
    each(document.querySelectorAll("svg[data-hist]"), function (svg) { redrawHist(svg, visible); });
    out.textContent = "Showing " + shown + " of " + counted.length + " agencies";
    writeAddress();
    markOverflow();
  }

  readAddress();
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
