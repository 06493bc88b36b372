// Client-side sorting of the board table: a click on a column header
// sorts the rows in the page without a reload (the header links sort on
// the server when JavaScript is off). Cells carry their raw numbers in
// data-v.
(function () {
  "use strict";
  function value(td) {
    var v = td ? td.getAttribute("data-v") : null;
    return v === null || v === "" ? null : parseFloat(v);
  }
  function sortBy(table, th) {
    var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var asc = th.getAttribute("data-dir") !== "asc";
    rows.sort(function (a, b) {
      var x = value(a.cells[idx]), y = value(b.cells[idx]);
      if (x === null && y === null) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return asc ? x - y : y - x;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
    Array.prototype.forEach.call(th.parentNode.children, function (h) {
      h.classList.remove("active");
      h.removeAttribute("data-dir");
    });
    th.classList.add("active");
    th.setAttribute("data-dir", asc ? "asc" : "desc");
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("th[data-key]").forEach(function (th) {
        th.addEventListener("click", function (ev) {
          ev.preventDefault();
          sortBy(table, th);
        });
      });
    });
  });
})();
