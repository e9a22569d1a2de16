/* E-signature on signature_pad (loaded just before this file). "签好了" uploads the pad as a PNG to
   widgets/signature/upload and puts the stored signature's reference in the hidden input with a change event.
   A pad signed but not confirmed goes with the form as a data URL; a blank one is refused here and on the server. */
(function () {
  "use strict";
  var pads = {};

  function parts(box) {
    var id = box.id.slice(4);
    function get(prefix, suffix) { return document.getElementById(prefix + id + (suffix || "")); }
    return {
      box: box, input: get("i-"), img: get("img-"), canvas: get("c-"), status: get("s-"),
      clear: get("b-", "-clear"), done: get("b-", "-done"), redo: get("b-", "-redo")
    };
  }

  function say(p, text, warn) {
    p.status.textContent = text;
    p.status.className = "sig-status" + (warn ? " sig-warn" : "");
  }

  function showPad(p, shown) {
    p.canvas.hidden = !shown;
    p.img.hidden = shown || !p.img.getAttribute("src");
    p.clear.hidden = p.done.hidden = !shown;
    p.redo.hidden = shown;
  }

  function start(box) {
    var p = parts(box);
    if (typeof window.SignaturePad !== "function") {
      say(p, "签名板没有加载出来。请检查网络，然后刷新这一页。", true);
      return;
    }
    showPad(p, true);
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    p.canvas.width = p.canvas.offsetWidth * ratio;
    p.canvas.height = p.canvas.offsetHeight * ratio;
    p.canvas.getContext("2d").scale(ratio, ratio);
    if (!pads[box.id]) { pads[box.id] = new window.SignaturePad(p.canvas, { minWidth: 1.5, maxWidth: 4, penColor: "#000" }); }
    pads[box.id].clear();
    say(p, "请在框里用手指写下您的名字，写好后点“签好了”。");
  }

  function blobOf(dataUrl) {
    var bytes = atob(dataUrl.split(",")[1]), array = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) { array[i] = bytes.charCodeAt(i); }
    return new Blob([array], { type: "image/png" });
  }

  function done(box) {
    var p = parts(box), pad = pads[box.id];
    if (!pad || pad.isEmpty()) { say(p, "框里还没有签名。请用手指写下您的名字。", true); return; }
    var dataUrl = pad.toDataURL("image/png");
    p.done.disabled = true;
    say(p, "正在保存签名，请稍等……");
    var request = new XMLHttpRequest();
    request.open("POST", p.box.getAttribute("data-upload"));
    request.setRequestHeader("Content-Type", "image/png");
    request.timeout = 60000;
    request.onload = function () {
      var body = null;
      try { body = JSON.parse(request.responseText); } catch (ignored) { body = null; }
      p.done.disabled = false;
      if (request.status === 409) { later(body && body.errors ? body.errors.join("；") : ""); return; }
      if (request.status === 200 && body && body.posted) {
        p.input.value = body.posted;
        p.img.setAttribute("src", dataUrl);
        showPad(p, false);
        p.input.dispatchEvent(new Event("change", { bubbles: true }));
        say(p, "签名已保存。要重签，请点“重新签名”。");
      } else {
        say(p, body && body.errors ? body.errors.join("；") : "签名没有保存好，请再点一次“签好了”。", true);
      }
    };
    // No network now, or no draft yet (409): the signature goes with the form.
    function later(why) {
      p.done.disabled = false;
      p.input.value = dataUrl;
      say(p, why || "网络不好，签名还没传上去。点下面的按钮时会再传一次。", true);
    }
    request.onerror = request.ontimeout = function () { later(""); };
    request.send(blobOf(dataUrl));
  }

  function setUp(box) {
    if (box.getAttribute("data-ready")) { return; }
    box.setAttribute("data-ready", "1");
    var p = parts(box);
    if (p.input.value) { showPad(p, false); } else { start(box); }
  }

  function scan(root) {
    if (root.matches && root.matches(".sig")) { setUp(root); }
    var boxes = root.querySelectorAll ? root.querySelectorAll(".sig") : [];
    for (var i = 0; i < boxes.length; i++) { setUp(boxes[i]); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".sig button");
    if (!button) { return; }
    var box = button.closest(".sig");
    if (button.className.indexOf("sig-done") >= 0) { done(box); }
    else if (button.className.indexOf("sig-clear") >= 0 && pads[box.id]) { pads[box.id].clear(); }
    else { start(box); }
  });
  // A pad signed but not confirmed with "签好了" goes with the form.
  document.addEventListener("submit", function (event) {
    var boxes = event.target.querySelectorAll(".sig");
    for (var i = 0; i < boxes.length; i++) {
      var p = parts(boxes[i]), pad = pads[boxes[i].id];
      if (pad && !p.canvas.hidden && !pad.isEmpty()) { p.input.value = pad.toDataURL("image/png"); }
    }
  }, true);

  /* Household signers (.sigs): the applicant's row, then one per family member added with "添加一位家庭成员签名".
     Each row's pad keeps its own (unnamed) hidden input; the group's hidden input posts them all as a list. */
  function gather(group) {
    var rows = group.querySelectorAll(".sig-signer"), list = [], any = false;
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i].querySelector(".sig-name").value.trim();
      var kept = rows[i].querySelector(".sig input[type=hidden]").value;
      var entry = { name: name, role: i === 0 ? "applicant" : "member" };
      if (kept.indexOf("data:") === 0) { entry.image = kept; }
      else if (kept) {
        try { var ref = JSON.parse(kept); entry.file = ref.file; entry.type = ref.type; } catch (ignored) { /* kept out */ }
      }
      any = any || Boolean(name || kept);
      list.push(entry);
    }
    group.querySelector("#i-" + group.id.slice(5)).value = any ? JSON.stringify(list) : "";
  }

  function renumber(group) {
    var rows = group.querySelectorAll(".sig-signer");
    for (var i = 0; i < rows.length; i++) {
      rows[i].querySelector(".sig-who").textContent = "第" + (i + 1) + "位：" + (i === 0 ? "申请人" : "家庭成员");
    }
    return rows.length;
  }

  function changed(group) {
    gather(group);
    group.querySelector("#i-" + group.id.slice(5)).dispatchEvent(new Event("change", { bubbles: true }));
  }

  function add(group) {
    var id = group.id.slice(5), status = document.getElementById("s-" + id);
    var max = parseInt(group.getAttribute("data-max"), 10) || 15;
    if (group.querySelectorAll(".sig-signer").length >= max) {
      status.hidden = false;
      status.className = "sig-status sig-warn";
      status.textContent = "最多" + max + "人签名。";
      return;
    }
    var n = parseInt(group.getAttribute("data-next"), 10) || 1;
    group.setAttribute("data-next", String(n + 1));
    var holder = document.createElement("div");
    holder.innerHTML = document.getElementById("tpl-" + id).innerHTML.replace(/__N__/g, String(n));
    var row = holder.querySelector(".sig-signer");
    group.querySelector(".sigs-list").appendChild(row);
    renumber(group);
    scan(row);
    row.querySelector(".sig-name").focus();
  }

  function remove(group, row) {
    var box = row.querySelector(".sig");
    if (box) { delete pads[box.id]; }
    row.parentNode.removeChild(row);
    renumber(group);
    var status = document.getElementById("s-" + group.id.slice(5));
    if (status) { status.hidden = true; }
    changed(group);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".sigs button.sig-add, .sigs button.sig-remove");
    if (!button) { return; }
    var group = button.closest(".sigs");
    if (button.className.indexOf("sig-add") >= 0) { add(group); }
    else { remove(group, button.closest(".sig-signer")); }
  });
  // Before the form's own listeners (capture): the group's list is up to date when the answer is posted.
  function gatherAround(event) {
    var group = event.target.closest && event.target.closest(".sigs");
    if (group && event.target.id !== "i-" + group.id.slice(5)) { gather(group); }
  }
  document.addEventListener("input", gatherAround, true);
  document.addEventListener("change", gatherAround, true);
  document.addEventListener("submit", function (event) {
    var groups = event.target.querySelectorAll(".sigs");
    for (var i = 0; i < groups.length; i++) { gather(groups[i]); }
  }, true);

  document.addEventListener("htmx:load", function (event) { scan(event.target); });
  scan(document);
})();
