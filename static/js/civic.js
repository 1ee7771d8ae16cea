// Civic: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";
  var script = document.getElementById("civic-script");
  if (window.bootstrap && typeof window.bootstrap.loadFonts === "function" && script) {
    window.bootstrap.loadFonts(script.getAttribute("data-fonts"));
  }
})();
