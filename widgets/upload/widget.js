/* Pictures of documents: the farmer picks photos (camera or album); each is shrunk on a canvas when big (to
   spare 3G), sent to widgets/upload/upload one after the other, and its reference is added to the JSON list in
   the hidden input with a change event, so htmx saves the answer. If an upload fails for want of network, the
   picture rides with the form as a data URL in that list. */
(function () {
  "use strict";
  var MAX_SIDE = 2000, SHRINK_OVER = 1024 * 1024, QUALITY = 0.85;

  function parts(box) {
    var id = box.id.slice(4);
    return {
      box: box, input: document.getElementById("i-" + id), list: document.getElementById("l-" + id),
      status: document.getElementById("s-" + id), file: document.getElementById("f-" + id),
      pick: document.getElementById("b-" + id + "-pick"), max: parseInt(box.getAttribute("data-max"), 10) || 1
    };
  }

  function kept(p) {
    try {
      var value = JSON.parse(p.input.value || "[]");
      return Array.isArray(value) ? value : [];
    } catch (ignored) { return []; }
  }

  function save(p, list) {
    p.input.value = list.length ? JSON.stringify(list) : "";
    p.input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function say(p, text, warn) {
    p.status.textContent = text;
    p.status.className = "upl-status" + (warn ? " upl-warn" : "");
  }

  function counted(p) {
    var count = kept(p).length;
    p.pick.hidden = count >= p.max;
    return count ? "已上传" + count + "张照片，最多" + p.max + "张。" : "可以拍照，也可以从相册选照片，最多" + p.max + "张。";
  }

  function addThumb(p, src) {
    var item = document.createElement("li"), img = document.createElement("img"), remove = document.createElement("button");
    item.className = "upl-item";
    img.src = src;
    img.width = 160;
    img.alt = "第" + (p.list.children.length + 1) + "张照片";
    remove.type = "button";
    remove.className = "btn ghost upl-remove";
    remove.textContent = "删掉";
    item.appendChild(img);
    item.appendChild(remove);
    p.list.appendChild(item);
  }

  // A big photo is drawn smaller on a canvas; anything the browser cannot draw goes as it is (the server says why).
  function shrink(file, done) {
    if (!window.URL || !URL.createObjectURL) { done(file); return; }
    var url = URL.createObjectURL(file), img = new Image();
    img.onload = function () {
      URL.revokeObjectURL(url);
      var side = Math.max(img.naturalWidth, img.naturalHeight);
      if (side <= MAX_SIDE && file.size <= SHRINK_OVER) { done(file); return; }
      var scale = Math.min(1, MAX_SIDE / side), canvas = document.createElement("canvas");
      canvas.width = Math.round(img.naturalWidth * scale);
      canvas.height = Math.round(img.naturalHeight * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      if (!canvas.toBlob) { done(file); return; }
      canvas.toBlob(function (blob) { done(blob && blob.size < file.size ? blob : file); }, "image/jpeg", QUALITY);
    };
    img.onerror = function () { URL.revokeObjectURL(url); done(file); };
    img.src = url;
  }

  function send(p, blob, number, next) {
    var request = new XMLHttpRequest();
    var url = p.box.getAttribute("data-upload");
    request.open("POST", url + (url.indexOf("?") < 0 ? "?" : "&") + "n=" + number);
    request.setRequestHeader("Content-Type", blob.type || "application/octet-stream");
    request.timeout = 120000;
    request.onload = function () {
      var body = null;
      try { body = JSON.parse(request.responseText); } catch (ignored) { body = null; }
      if (request.status === 409) { later(body && body.errors ? body.errors.join("；") : ""); return; }
      if (request.status === 200 && body && body.value) {
        var list = kept(p);
        list.push(body.value);
        save(p, list);
        addThumb(p, body.thumb);
        next(null);
      } else {
        next(body && body.errors ? body.errors.join("；")
          : (request.status === 413 ? "第" + number + "张照片太大了，请重新选择" : "第" + number + "张照片没有保存好，请重新选择"));
      }
    };
    // No network now, or no draft yet (409): the picture goes with the form when the farmer taps the button below.
    function later(why) {
      var reader = new FileReader();
      reader.onload = function () {
        var list = kept(p);
        list.push(reader.result);
        save(p, list);
        addThumb(p, reader.result);
        next(why || "网络不好，照片还没传上去。点下面的按钮时会再传一次。");
      };
      reader.onerror = function () { next("第" + number + "张照片没有保存好，请重新选择"); };
      reader.readAsDataURL(blob);
    }
    request.onerror = request.ontimeout = function () { later(""); };
    request.send(blob);
  }

  function chosen(p) {
    var files = Array.prototype.slice.call(p.file.files || []), room = p.max - kept(p).length, problems = [];
    p.file.value = "";
    if (!files.length) { return; }
    if (files.length > room) {
      problems.push("最多上传" + p.max + "张照片，多选的" + (files.length - room) + "张没有传");
      files = files.slice(0, Math.max(room, 0));
    }
    p.pick.hidden = true;
    (function one() {
      if (!files.length) {
        var summary = counted(p);
        say(p, problems.length ? problems.join("；") : summary, problems.length > 0);
        return;
      }
      var number = kept(p).length + 1;
      say(p, "正在上传第" + number + "张照片，请稍等……");
      shrink(files.shift(), function (blob) {
        send(p, blob, number, function (problem) { if (problem) { problems.push(problem); } one(); });
      });
    })();
  }

  function setUp(box) {
    if (box.getAttribute("data-ready")) { return; }
    box.setAttribute("data-ready", "1");
    var p = parts(box);
    counted(p);
    // The file input has no name and its change is not an answer: htmx must not post the form for it.
    p.file.addEventListener("change", function (event) { event.stopPropagation(); chosen(parts(box)); });
  }

  function scan(root) {
    if (root.matches && root.matches(".upl")) { setUp(root); }
    var boxes = root.querySelectorAll ? root.querySelectorAll(".upl") : [];
    for (var i = 0; i < boxes.length; i++) { setUp(boxes[i]); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".upl .upl-remove");
    if (!button) { return; }
    var item = button.closest(".upl-item"), p = parts(button.closest(".upl"));
    var index = Array.prototype.indexOf.call(p.list.children, item), list = kept(p);
    if (index >= 0 && index < list.length) { list.splice(index, 1); }
    item.parentNode.removeChild(item);
    save(p, list);
    say(p, counted(p));
  });
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
  scan(document);
})();
