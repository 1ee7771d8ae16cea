// Results: draws a chart (chart.js) above each table marked data-chart, from the table's own cells. The table
// stays the accessible source: the drawing is hidden from assistive technology and the page works without it.
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  var colour = "#0066cc";
  var tables = document.querySelectorAll("table[data-chart]");
  Array.prototype.forEach.call(tables, function (table) {
    var labels = [];
    var values = [];
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      var head = row.querySelector("th");
      var cell = row.querySelector("td[data-value]");
      if (!head || !cell) {
        return;
      }
      labels.push(head.textContent.trim());
      values.push(Number(cell.getAttribute("data-value")));
    });
    if (!labels.length) {
      return;
    }
    var box = document.createElement("div");
    box.className = "civic-chart";
    box.setAttribute("aria-hidden", "true");
    var canvas = document.createElement("canvas");
    box.appendChild(canvas);
    var holder = table.closest(".table-responsive") || table;
    holder.parentNode.insertBefore(box, holder);
    var line = table.getAttribute("data-chart") === "line";
    new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: labels,
        datasets: [{
          label: table.getAttribute("data-chart-label") || "",
          data: values,
          backgroundColor: colour,
          borderColor: colour
        }]
      },
      options: {
        indexAxis: line ? "x" : "y",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
      }
    });
  });
})();
