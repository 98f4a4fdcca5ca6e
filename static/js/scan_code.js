// Hub code entry (drop-off and pickup codes): scan the code's QR/barcode with the camera
// where the browser can (BarcodeDetector); typing always works.
(function () {
  var button = document.getElementById("scan-code");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var video = document.getElementById("scan-video");
  var input = document.getElementById("id_code");
  BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.length) button.hidden = false;  // an empty list: the platform cannot decode
  });
  button.addEventListener("click", async function () {
    var stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) {
      button.textContent = "No camera: type the code";
      button.disabled = true;
      return;
    }
    var detector = new BarcodeDetector();
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    (async function look() {
      var found = (await detector.detect(video).catch(function () { return []; }))[0];
      if (found) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        video.hidden = true;
        input.value = found.rawValue.replace(/^.*[:\/=]/, "");
        input.form.submit();
        return;
      }
      requestAnimationFrame(look);
    })();
  });
})();
