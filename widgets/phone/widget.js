/* The "发送验证码" button counts down 60 seconds after a code was sent (the server refuses earlier resends too). */
(function () {
  "use strict";
  // The buttons post through htmx: enable them only once it is loaded (on the page and in swapped-in blocks).
  window.htmx.onLoad(function (root) {
    var buttons = root.querySelectorAll ? root.querySelectorAll(".otp-send, .otp-verify") : [];
    for (var i = 0; i < buttons.length; i += 1) { buttons[i].disabled = false; }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var old = event.detail.target;  // an outerHTML swap replaced it: find the new one by its id
    var status = old && old.id ? document.getElementById(old.id) : null;
    if (!status || !status.classList.contains("otp-status")) return;
    var wait = +status.getAttribute("data-wait");
    var button = document.getElementById(status.id.replace(/-otp$/, "-send").replace(/^s-/, "b-"));
    if (!button || !wait) return;
    var label = "重新发送验证码";
    button.disabled = true;
    (function tick() {
      if (wait <= 0) { button.disabled = false; button.textContent = label; return; }
      button.textContent = wait + "秒后可重新发送";
      wait -= 1;
      setTimeout(tick, 1000);
    })();
  });
})();
