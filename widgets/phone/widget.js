/* The "发送验证码" button counts down 60 seconds after a code was sent (the server refuses earlier resends too).
   The buttons work without this script (and before htmx arrives): they then post the section form. */
(function () {
  "use strict";
  function countDown(status) {
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
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var old = event.detail.target;  // an outerHTML swap replaced it: find the new one by its id
    var status = old && old.id ? document.getElementById(old.id) : null;
    if (status && status.classList.contains("otp-status")) countDown(status);
  });
  // A code sent by a full page post (tapped before htmx had arrived): count down what is left of the minute.
  var sent = document.querySelectorAll(".otp-status[data-wait]");
  for (var i = 0; i < sent.length; i += 1) countDown(sent[i]);
})();
