// Meetings: optional camera scanning on the check-in page. Without this file (or without a browser that can
// read QR codes) door staff type the code, or scan it with any phone camera app: the QR code is a link to
// this page with the code filled in.
(function () {
  "use strict";
  var button = document.getElementById("scan-button");
  var video = document.getElementById("scan-video");
  var form = document.getElementById("check-in-form");
  var message = document.getElementById("scan-message");
  if (!button || !video || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  var input = form.querySelector("input[name=code]");
  button.classList.remove("d-none");

  function stop(stream) {
    stream.getTracks().forEach(function (track) { track.stop(); });
    video.classList.add("d-none");
  }

  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.classList.remove("d-none");
      message.textContent = button.getAttribute("data-scanning");
      video.play();
      function look() {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stop(stream);
            input.value = codes[0].rawValue;
            form.submit();
          } else {
            window.requestAnimationFrame(look);
          }
        }).catch(function () { window.requestAnimationFrame(look); });
      }
      look();
    }).catch(function () {
      message.textContent = button.getAttribute("data-unsupported");
    });
  });
})();
