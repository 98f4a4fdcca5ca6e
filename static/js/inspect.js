// The inspection wizard (hub portal). Each photo is shrunk in the browser (long edge at
// most 2048 px, JPEG, orientation applied, metadata dropped with the re-encode) and
// uploaded as soon as it is picked, so the submit only sends the answers. The server then
// processes each photo (metadata removed, SHA-256 recorded): the slot says "Processing…"
// and the script polls the return's photo list until the server's thumbnail replaces it.
// The progress line and the submit button follow what is done (the submit waits for every
// photo to be processed); the server checks everything again.
(function () {
  "use strict";

  var form = document.getElementById("wizard");
  if (!form) return;

  var MAX_EDGE = 2048;
  var QUALITY = 0.82;
  var POLL_MS = 1500;
  var uploadUrl = form.dataset.uploadUrl;  // POST a photo here; GET lists the return's photos
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var shots = Array.prototype.slice.call(form.querySelectorAll(".shot"));
  var checks = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-check]"));
  var submit = form.querySelector("[data-submit]");
  var missingNote = form.querySelector("[data-missing]");
  var photosCount = form.querySelector("[data-photos]");
  var checksCount = form.querySelector("[data-checks]");
  var bar = form.querySelector("[data-bar]");
  var meter = form.querySelector("[role=progressbar]");
  var allPass = form.querySelector("[data-all-pass]");
  var allPassHint = form.querySelector("[data-all-pass-hint]");
  var submitting = false;
  var pollTimer = null;

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function answered(fieldset) {
    return !!fieldset.querySelector("input[type=radio]:checked");
  }

  function update() {
    var photosDone = 0, uploading = 0, processing = [], missingPhotos = [];
    shots.forEach(function (shot) {
      var state = shot.dataset.state;
      if (state === "done" || state === "processing") photosDone += 1;
      if (state === "uploading") uploading += 1;
      if (state === "processing") processing.push(shot.dataset.label);
      if (shot.dataset.required === "1" && state !== "done" && state !== "processing") {
        missingPhotos.push(shot.dataset.label);
      }
    });
    var checksDone = 0, missingChecks = 0;
    checks.forEach(function (fieldset) {
      if (answered(fieldset)) checksDone += 1;
      else if (fieldset.dataset.required === "1") missingChecks += 1;
    });
    photosCount.textContent = photosDone;
    checksCount.textContent = checksDone;
    var total = shots.length + checks.length;
    var done = photosDone + checksDone;
    meter.setAttribute("aria-valuenow", done);
    bar.style.width = (total ? (100 * done) / total : 100) + "%";

    var missing = [];
    if (missingPhotos.length) missing.push(plural(missingPhotos.length, "photo") + " (" + missingPhotos.join(", ") + ")");
    if (missingChecks) missing.push(plural(missingChecks, "check"));
    var note = "";
    if (uploading) note = "Uploading " + plural(uploading, "photo") + "…";
    else if (missing.length) note = "Still missing: " + missing.join(", ");
    else if (processing.length) note = "Processing " + plural(processing.length, "photo") + " (" + processing.join(", ") + ")…";
    else note = "Ready to submit.";
    missingNote.textContent = note;
    var ready = !uploading && !missing.length && !processing.length;
    missingNote.classList.toggle("is-ready", ready);
    submit.disabled = submitting || !ready;
    if (allPass) allPass.disabled = checks.every(answered);
  }

  // --- photos ---

  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return decodeWithImg(file);
      });
    }
    return decodeWithImg(file);
  }

  function decodeWithImg(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not an image")); };
      img.src = url;
    });
  }

  // → {blob, width, height, originalEdge}: the photo re-encoded as JPEG, at most MAX_EDGE
  // on the long edge. A photo the browser cannot decode (e.g. HEIC) goes up as it is.
  function shrink(file) {
    return decode(file).then(
      function (image) {
        var w = image.naturalWidth || image.width;
        var h = image.naturalHeight || image.height;
        var scale = Math.min(1, MAX_EDGE / Math.max(w, h));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(h * scale);
        var context = canvas.getContext("2d");
        context.imageSmoothingQuality = "high";
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        if (image.close) image.close();
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) {
            resolve({ blob: blob, width: canvas.width, height: canvas.height, originalEdge: Math.max(w, h) });
          }, "image/jpeg", QUALITY);
        });
      },
      function () {
        return { blob: file, width: 0, height: 0, originalEdge: 0 };
      }
    );
  }

  function setShot(shot, state, text) {
    shot.dataset.state = state;
    shot.querySelector("[data-status]").textContent = text;
    update();
  }

  // The picked photo is shown at once (the server's thumbnail comes after processing).
  // If it is refused, the slot goes back to what it was: the earlier photo, if there was
  // one (the server keeps it), else the camera icon and what to do.
  function showPreview(shot, blob) {
    var img = document.createElement("img");
    img.alt = "";
    img.src = URL.createObjectURL(blob);
    shot.querySelector(".shot-preview").replaceChildren(img);
  }

  function refuse(shot, before, message) {
    shot.querySelector(".shot-preview").innerHTML = before.preview;
    if (before.state === "done" || before.state === "processing") {
      setShot(shot, before.state, message + " The earlier photo is kept: tap to retake.");
    } else {
      setShot(shot, "error", message + " Tap to retake.");
    }
  }

  // The server's answer about one photo (upload or list): ready shows its thumbnail (the
  // cleaned one), pending waits, failed asks for a retake.
  function settle(shot, photo) {
    shot.dataset.photoId = photo.id;
    if (photo.status === "ready") {
      var img = document.createElement("img");
      img.alt = "";
      img.src = photo.thumbnail_url;
      shot.querySelector(".shot-preview").replaceChildren(img);
      setShot(shot, "done", "✓ Taken — tap to retake");
    } else if (photo.status === "failed") {
      setShot(shot, "error", (photo.error || "The photo could not be processed.") + " Tap to retake.");
    } else {
      setShot(shot, "processing", "Processing…");
      schedulePoll();
    }
  }

  function schedulePoll() {
    if (pollTimer === null) pollTimer = setTimeout(poll, POLL_MS);
  }

  // While a photo is processing, ask for the return's photos every POLL_MS (a failed
  // request is simply asked again).
  function poll() {
    pollTimer = null;
    var waiting = shots.filter(function (shot) { return shot.dataset.state === "processing"; });
    if (!waiting.length) return;
    var xhr = new XMLHttpRequest();
    xhr.open("GET", uploadUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 200 && body && body.results) {
        var byId = {};
        body.results.forEach(function (photo) { byId[photo.id] = photo; });
        waiting.forEach(function (shot) {
          var photo = byId[shot.dataset.photoId];
          // Still processing, or retaken meanwhile (a newer upload settles the slot).
          if (shot.dataset.state === "processing" && photo && photo.status !== "pending") settle(shot, photo);
        });
      }
      schedulePoll();
    };
    xhr.onerror = schedulePoll;
    xhr.send();
  }

  function upload(shot, blob, before) {
    var data = new FormData();
    data.append("slot", shot.dataset.slot);
    data.append("file", blob, shot.dataset.slot + (blob.type === "image/jpeg" ? ".jpg" : ""));
    var xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) {
        setShot(shot, "uploading", "Uploading " + Math.round((100 * event.loaded) / event.total) + "%…");
      }
    };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        settle(shot, body);
      } else {
        refuse(shot, before, body && body.error ? body.error.message : "Upload failed (" + xhr.status + ").");
      }
    };
    xhr.onerror = function () {
      refuse(shot, before, "No connection: the photo was not sent.");
    };
    xhr.send(data);
  }

  shots.forEach(function (shot) {
    var input = shot.querySelector("input[type=file]");
    // The script uploads each photo itself: the submit only carries the answers. (Without
    // the script, the photos travel with the form instead.)
    input.removeAttribute("name");
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var before = { state: shot.dataset.state, preview: shot.querySelector(".shot-preview").innerHTML };
      setShot(shot, "uploading", "Preparing…");
      shrink(file).then(function (result) {
        input.value = "";
        var minEdge = parseInt(shot.dataset.minEdge, 10) || 0;
        if (result.originalEdge && result.originalEdge < minEdge) {
          refuse(shot, before, "Too small (" + result.originalEdge + " px; at least " + minEdge + " px needed): retake it closer.");
          return;
        }
        if (result.width) showPreview(shot, result.blob);
        upload(shot, result.blob, before);
      });
    });
  });

  // --- checks ---

  if (allPass) {
    allPass.hidden = false;
    allPassHint.hidden = false;
    allPass.addEventListener("click", function () {
      checks.forEach(function (fieldset) {
        if (!answered(fieldset)) fieldset.querySelector("input[value=pass]").checked = true;
      });
      update();
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.type === "radio") update();
  });

  form.addEventListener("submit", function (event) {
    update();
    if (submit.disabled) {
      event.preventDefault();
      return;
    }
    submitting = true;
    submit.textContent = "Submitting…";
    // Disabled after this tick, so the button's own submission still goes through.
    setTimeout(update, 0);
  });

  update();
  schedulePoll();  // photos uploaded before a reload may still be processing
})();
