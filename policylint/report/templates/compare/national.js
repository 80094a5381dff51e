// The finder of the national summary: no dependencies, no network.  It reads the agencies
// from the page's JSON data block and writes every value as text (never as markup); a link
// goes only to a state page of this report.  Without it the page shows every state's link.
(function () {
  "use strict";
  var form = document.getElementById("finder"), source = document.getElementById("agencies");
  if (!form || !source) return;
  var data = JSON.parse(source.textContent);
  var labels = JSON.parse(document.getElementById("status-labels").textContent);
  var query = document.getElementById("q"), state = document.getElementById("f-state");
  var status = document.getElementById("f-status"), out = document.getElementById("shown");
  var table = document.getElementById("t-find"), body = table.tBodies[0];
  var more = document.getElementById("more");
  var STEP = 100, PAGE = /^[A-Za-z0-9._%-]+(\/[A-Za-z0-9._%-]+)?\.html#agency-[0-9]+$/;
  // Columns of a line: name, jurisdiction, county, state, status, file, violations,
  // warnings, silent, not read, addressed, applicable, page.
  var keys = data.map(function (a) { return (a[0] + " " + (a[1] || "") + " " + a[5]).toLowerCase(); });
  var matches = [], shown = 0;

  function cell(tr, text, numeric) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (numeric) td.className = "num";
    tr.appendChild(td);
    return td;
  }

  function line(a) {
    var tr = document.createElement("tr"), th = document.createElement("th"), link = document.createElement("a");
    th.scope = "row";
    link.textContent = a[0];
    if (PAGE.test(a[12])) link.setAttribute("href", a[12]);
    th.appendChild(link);
    if (a[1]) {
      var sub = document.createElement("span");
      sub.className = "sub";
      sub.textContent = a[1];
      th.appendChild(sub);
    }
    tr.appendChild(th);
    cell(tr, a[3]);
    cell(tr, a[2]);
    cell(tr, labels[a[4]] || a[4]);
    if (a[6] === null) {
      var td = cell(tr, "not scored", true);
      td.colSpan = 5;
    } else {
      cell(tr, a[6], true);
      cell(tr, a[7], true);
      cell(tr, a[8], true);
      cell(tr, a[9] ? a[9] : "—", true);
      cell(tr, a[10] + " of " + a[11], true);
    }
    return tr;
  }

  function showMore() {
    var end = Math.min(shown + STEP, matches.length), rows = document.createDocumentFragment();
    for (var i = shown; i < end; i += 1) rows.appendChild(line(data[matches[i]]));
    body.appendChild(rows);
    shown = end;
    more.hidden = shown >= matches.length;
    table.hidden = shown === 0;
    out.textContent = matches.length.toLocaleString("en-US") + " of " + data.length.toLocaleString("en-US") +
      " agencies match" + (matches.length > shown ? "; showing the first " + shown.toLocaleString("en-US") : "");
  }

  function apply() {
    var text = query.value.trim().toLowerCase(), st = state.value, su = status.value;
    matches = [];
    for (var i = 0; i < data.length; i += 1) {
      if (st && data[i][3] !== st) continue;
      if (su && data[i][4] !== su) continue;
      if (text && keys[i].indexOf(text) < 0) continue;
      matches.push(i);
    }
    shown = 0;
    body.textContent = "";
    showMore();
  }

  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  more.addEventListener("click", showMore);
  apply();
})();
