/* Current location: ask the phone once the farmer taps the button; on refusal, failure or timeout, show the
   region drop-downs instead. The position goes into hidden inputs, and a change event lets htmx save it. */
(function () {
  "use strict";
  var FAILED = {
    1: "您没有允许定位。请从下面选择您现在住的地方。",
    2: "手机现在定不了位。请从下面选择您现在住的地方。",
    3: "定位超时了。请从下面选择您现在住的地方，或点按钮再试一次。"
  };

  function parts(box) {
    var id = box.id.slice(4);
    function get(prefix, suffix) { return document.getElementById(prefix + id + (suffix || "")); }
    return {
      lat: get("i-", "-lat"), lng: get("i-", "-lng"), acc: get("i-", "-acc"),
      status: get("s-"), button: get("b-", "-locate"), fallback: get("f-")
    };
  }

  function say(p, text, warn) {
    p.status.textContent = text;
    p.status.className = "geo-status" + (warn ? " geo-warn" : "");
  }

  function saved(input) { input.dispatchEvent(new Event("change", { bubbles: true })); }

  function fallBack(p, text) {
    p.lat.value = p.lng.value = p.acc.value = "";
    p.fallback.hidden = false;
    p.button.disabled = false;
    p.button.textContent = "再试一次定位";
    say(p, text, true);
    saved(p.lat);
  }

  function setUp(box) {
    if (box.getAttribute("data-ready")) { return; }
    box.setAttribute("data-ready", "1");
    var p = parts(box);
    if (!navigator.geolocation) {
      say(p, "这部手机不能定位，请从下面选择您现在住的地方。", true);
      return;
    }
    p.button.hidden = false;
    if (box.getAttribute("data-mode") === "none") { p.fallback.hidden = true; }
  }

  function locate(box) {
    var p = parts(box), done = false;
    p.button.disabled = true;
    say(p, "正在定位，请稍等……");
    // Some browsers never answer while their permission prompt is ignored: give up after 20 seconds.
    var watchdog = setTimeout(function () { if (!done) { done = true; fallBack(p, FAILED[3]); } }, 20000);
    navigator.geolocation.getCurrentPosition(function (position) {
      if (done) { return; }
      done = true;
      clearTimeout(watchdog);
      var c = position.coords;
      p.lat.value = c.latitude.toFixed(6);
      p.lng.value = c.longitude.toFixed(6);
      p.acc.value = Math.round(c.accuracy);
      p.fallback.hidden = true;
      p.button.disabled = false;
      p.button.textContent = "重新定位";
      say(p, "已获取您现在的位置（误差约" + p.acc.value + "米）。");
      saved(p.lat);
    }, function (error) {
      if (done) { return; }
      done = true;
      clearTimeout(watchdog);
      fallBack(p, FAILED[error.code] || FAILED[2]);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function scan(root) {
    if (root.matches && root.matches(".geo")) { setUp(root); }
    var boxes = root.querySelectorAll ? root.querySelectorAll(".geo") : [];
    for (var i = 0; i < boxes.length; i++) { setUp(boxes[i]); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".geo-locate");
    if (button) { locate(button.closest(".geo")); }
  });
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
  scan(document);
})();
