// Civic: progressive enhancement only. Every page works without this file.
// Loaded before Bootstrap Italia's script, so the settings below are in place when it starts.
(function () {
  "use strict";
  // video.js (in the kit's bundle, not in the smaller script Civic loads) would inject <style> elements,
  // which the CSP refuses: kept in case a page ever loads the bundle.
  window.VIDEOJS_NO_DYNAMIC_STYLE = true;
  var script = document.currentScript;
  var fonts = script && script.getAttribute("data-fonts");
  document.addEventListener("DOMContentLoaded", function () {
    // The one inline stylesheet the CSP allows, by its hash (civic/core/assets.py).
    if (fonts && window.bootstrap && typeof window.bootstrap.loadFonts === "function") {
      window.bootstrap.loadFonts(fonts);
    }
    // After a failed submit the error summary takes the focus (autofocus does it without this file, but not
    // when the page comes back from the browser's cache or the bundle moved the focus meanwhile).
    var summary = document.getElementById("form-errors");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  });
})();
