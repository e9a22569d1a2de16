/* Live camera: getUserMedia preview (the front camera first for the applicant's photo, the back one for a photo
   of something, as the box's data-facing says), shutter, retake. The shot is drawn on a canvas,
   sent as a JPEG to widgets/photo/upload, and the stored photo's reference goes into the hidden input with a
   change event, so htmx saves the answer. If the upload fails, the photo rides with the form as a data URL. */
(function () {
  "use strict";
  var MAX_SIDE = 1280, QUALITY = 0.85, states = {};

  function parts(box) {
    var id = box.id.slice(4);
    function get(prefix, suffix) { return document.getElementById(prefix + id + (suffix || "")); }
    return {
      box: box, input: get("i-"), video: get("v-"), img: get("img-"), status: get("s-"),
      open: get("b-", "-open"), shoot: get("b-", "-shoot"), flip: get("b-", "-flip"), retake: get("b-", "-retake")
    };
  }

  function state(box) {
    return states[box.id] || (states[box.id] = { facing: box.dataset.facing || "user", stream: null, pending: null });
  }

  function buttons(p, shown) {
    var names = ["open", "shoot", "flip", "retake"];
    for (var i = 0; i < names.length; i++) { p[names[i]].hidden = shown.indexOf(names[i]) < 0; }
  }

  function say(p, text, warn) {
    p.status.textContent = text;
    p.status.className = "cam-status" + (warn ? " cam-warn" : "");
  }

  function stop(s) {
    if (!s.stream) { return; }
    var tracks = s.stream.getTracks();
    for (var i = 0; i < tracks.length; i++) { tracks[i].stop(); }
    s.stream = null;
  }

  function open(box) {
    var p = parts(box), s = state(box);
    stop(s);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(p, "这个浏览器不能拍照。请用微信或手机自带的浏览器打开这一页。", true);
      return;
    }
    say(p, "正在打开相机……");
    buttons(p, []);
    navigator.mediaDevices.getUserMedia({
      video: { facingMode: s.facing, width: { ideal: 1280 }, height: { ideal: 960 } }, audio: false
    }).then(function (stream) {
      s.stream = stream;
      p.video.srcObject = stream;
      p.video.className = "cam-view" + (s.facing === "user" ? " cam-mirror" : "");
      p.video.hidden = false;
      p.img.hidden = true;
      var playing = p.video.play();
      if (playing && playing.catch) { playing.catch(function () {}); }
      buttons(p, ["shoot", "flip"]);
      say(p, box.dataset.aim || "请把脸对着镜头，然后点“拍照”。");
    }, function (error) {
      var denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      say(p, denied ? "您没有允许使用相机。请在浏览器设置里允许使用相机，再点“打开相机”。"
                    : "相机打不开。请关掉其他正在用相机的程序，再点“打开相机”。", true);
      buttons(p, ["open"]);
    });
  }

  function blobOf(dataUrl) {
    var bytes = atob(dataUrl.split(",")[1]), array = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) { array[i] = bytes.charCodeAt(i); }
    return new Blob([array], { type: "image/jpeg" });
  }

  function shoot(box) {
    var p = parts(box), s = state(box), video = p.video;
    if (!video.videoWidth) { say(p, "相机还没准备好，请稍等一下再点“拍照”。", true); return; }
    var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    stop(s);
    s.pending = canvas.toDataURL("image/jpeg", QUALITY);
    p.img.src = s.pending;
    p.img.hidden = false;
    p.video.hidden = true;
    buttons(p, ["retake"]);
    say(p, "正在保存照片，请稍等……");
    upload(p, s);
  }

  function upload(p, s) {
    var request = new XMLHttpRequest();
    request.open("POST", p.box.getAttribute("data-upload"));
    request.setRequestHeader("Content-Type", "image/jpeg");
    request.timeout = 60000;
    request.onload = function () {
      var body = null;
      try { body = JSON.parse(request.responseText); } catch (ignored) { body = null; }
      if (request.status === 409) { later(body && body.errors ? body.errors.join("；") : ""); return; }
      s.pending = null;
      if (request.status === 200 && body && body.posted) {
        p.input.value = body.posted;
        p.input.dispatchEvent(new Event("change", { bubbles: true }));
        say(p, "照片已保存。要换一张，请点“重拍”。");
      } else {
        say(p, body && body.errors ? body.errors.join("；")
          : (request.status === 413 ? "照片太大了，请点“重拍”再拍一张。" : "照片没有保存好，请点“重拍”再试一次。"), true);
      }
    };
    // No network now, or no draft yet (409): the photo goes with the form when the farmer taps the button below.
    function later(why) {
      p.input.value = s.pending;
      say(p, why || "网络不好，照片还没传上去。点下面的按钮时会再传一次。", true);
    }
    request.onerror = request.ontimeout = function () { later(""); };
    request.send(blobOf(s.pending));
  }

  function setUp(box) {
    if (box.getAttribute("data-ready")) { return; }
    box.setAttribute("data-ready", "1");
    var p = parts(box);
    buttons(p, p.input.value ? ["retake"] : ["open"]);
  }

  function scan(root) {
    if (root.matches && root.matches(".cam")) { setUp(root); }
    var boxes = root.querySelectorAll ? root.querySelectorAll(".cam") : [];
    for (var i = 0; i < boxes.length; i++) { setUp(boxes[i]); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".cam button");
    if (!button) { return; }
    var box = button.closest(".cam"), s = state(box);
    if (button.className.indexOf("cam-flip") >= 0) { s.facing = s.facing === "user" ? "environment" : "user"; }
    if (button.className.indexOf("cam-shoot") >= 0) { shoot(box); } else { open(box); }
  });
  // A shot still uploading when the form is sent goes with it.
  document.addEventListener("submit", function (event) {
    var boxes = event.target.querySelectorAll(".cam");
    for (var i = 0; i < boxes.length; i++) {
      var s = state(boxes[i]), input = parts(boxes[i]).input;
      if (s.pending && !input.value) { input.value = s.pending; }
    }
  }, true);
  window.addEventListener("pagehide", function () { for (var id in states) { stop(states[id]); } });
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
  scan(document);
})();
