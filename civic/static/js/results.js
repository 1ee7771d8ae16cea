// Results: draws a chart (chart.js) above each table marked data-chart, from the table's own cells. The table
// stays the accessible source: the drawing is hidden from assistive technology and the page works without it.
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  var colour = "#0066cc";

  // A label as lines of at most `most` characters, broken between words (a longer word keeps its line).
  function wrap(text, most) {
    var lines = [];
    text.split(/\s+/).forEach(function (word) {
      var last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= most) {
        lines[last] += " " + word;
      } else {
        lines.push(word);
      }
    });
    return lines;
  }
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
    if (!line) {
      // Bars run sideways with their labels on the left: on a phone a long label would be cut at the edge,
      // so labels wrap onto lines of at most a third of the chart's width, and the chart grows to fit them.
      var most = Math.max(8, Math.floor(box.clientWidth / 3 / 6.5));
      labels = labels.map(function (label) { return wrap(label, most); });
      var lines = labels.reduce(function (sum, label) { return sum + label.length; }, 0);
      box.style.height = Math.max(box.clientHeight, 48 + lines * 18 + labels.length * 10) + "px";
    }
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
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true, ticks: { autoSkip: line } } }
      }
    });
  });
})();
