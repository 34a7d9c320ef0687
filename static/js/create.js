// The create form: only the sizes the chosen model makes, a live cost estimate against the allowance, and a
// prompt counter. (One-click submit: forms.js.)
(function () {
  "use strict";
  var form = document.querySelector(".create-form");
  var tableEl = document.getElementById("model-table");
  if (!form || !tableEl) return;
  var table = JSON.parse(tableEl.textContent);
  var model = form.querySelector("[name=model]");
  var size = form.querySelector("[name=size]");
  var seconds = form.querySelector("[name=seconds]");
  var estimate = form.querySelector("[data-estimate]");
  var prompt = form.querySelector("[name=prompt]");
  var counter = form.querySelector("[data-prompt-count]");

  function spec() {
    for (var i = 0; i < table.length; i++) if (table[i].key === model.value) return table[i];
    return null;
  }
  function refresh() {
    var s = spec();
    if (!s) return;
    var allowed = Object.keys(s.prices);
    Array.prototype.forEach.call(size.options, function (opt) {
      var ok = allowed.indexOf(opt.value) !== -1;
      opt.disabled = !ok;
      opt.hidden = !ok;
    });
    if (allowed.indexOf(size.value) === -1) {
      // Keep the orientation the user chose (landscape stays landscape).
      var wide = function (v) { var p = v.split("x"); return +p[0] > +p[1]; };
      var same = allowed.filter(function (v) { return wide(v) === wide(size.value); });
      size.value = (same.length ? same : allowed)[0];
    }
    Array.prototype.forEach.call(seconds.options, function (opt) {
      var ok = s.seconds.indexOf(opt.value) !== -1;
      opt.disabled = !ok;
      opt.hidden = !ok;
    });
    if (s.seconds.indexOf(seconds.value) === -1) seconds.value = s.seconds[0];
    var price = parseFloat(s.prices[size.value] || "0");
    var secs = parseInt(seconds.value, 10) || 0;
    estimate.textContent = "$" + (price * secs).toFixed(2) + " (" + secs + " s × $" + price.toFixed(2) + "/s)";
    overQuota(price * secs, secs, s.name);
  }
  // The quota the server enforces, shown before submitting (the server checks again, atomically).
  var allowance = document.querySelector("[data-allowance]");
  var warning = form.querySelector("[data-over-quota]");
  function overQuota(cost, secs, name) {
    if (!allowance || !warning) return;
    var problems = [];
    var spend = allowance.getAttribute("data-spend-left");
    var seconds = allowance.getAttribute("data-seconds-left");
    var videos = allowance.getAttribute("data-videos-left");
    var models = allowance.getAttribute("data-models");
    if (spend !== "" && cost > parseFloat(spend) + 1e-9) problems.push("only $" + parseFloat(spend).toFixed(2) + " of spend is left");
    if (seconds !== "" && secs > parseInt(seconds, 10)) problems.push("only " + seconds + " s of video are left");
    if (videos !== "" && parseInt(videos, 10) < 1) problems.push("no videos are left");
    if (models && models.split(",").indexOf(name) === -1) problems.push(name + " is not allowed for you");
    warning.hidden = !problems.length;
    warning.textContent = problems.length ? "Over your limit: " + problems.join("; ") + "." : "";
  }
  function count() {
    if (counter) counter.textContent = prompt.value.length.toLocaleString("en");
  }
  // The cast picker: up to two characters, on a model whose provider has them, each mentioned by name in the
  // prompt. Hints only: the server refuses the first two with the reason, and the third is advice.
  var picker = form.querySelector("[data-cast-picker]");
  var castNote = picker && picker.querySelector("[data-cast-note]");
  function castHint() {
    if (!picker || !castNote) return;
    var s = spec();
    var picked = Array.prototype.filter.call(picker.querySelectorAll("input[type=checkbox]"), function (box) {
      return box.checked;
    }).map(function (box) { return box.parentNode.textContent.trim(); });
    var notes = [];
    if (picked.length && s && !s.characters) notes.push("this model's provider cannot use characters");
    if (picked.length > 2) notes.push("a video can have at most 2 characters (" + picked.length + " picked)");
    var missing = picked.filter(function (name) { return prompt.value.toLowerCase().indexOf(name.toLowerCase()) === -1; });
    if (missing.length) notes.push("mention " + missing.join(" and ") + " in the prompt");
    castNote.hidden = !notes.length;
    castNote.textContent = notes.length ? notes.join("; ").replace(/^./, function (c) { return c.toUpperCase(); }) + "." : "";
  }
  if (picker) picker.addEventListener("change", castHint);
  [model, size, seconds].forEach(function (el) { el.addEventListener("change", refresh); });
  model.addEventListener("change", castHint);
  prompt.addEventListener("input", count);
  prompt.addEventListener("input", castHint);
  refresh();
  count();
  castHint();

  // The reference image as the first frame will be: fitted to the chosen size the way the server fits it (fill:
  // scale to cover and crop the centre; whole image: scale to fit and pad with black bars), redrawn when the
  // file, the size or the fit changes. Nothing is sent until the form is submitted.
  var file = form.querySelector("[name=input_reference]");
  var preview = form.querySelector("[data-reference-preview]");
  var canvas = form.querySelector("[data-preview-canvas]");
  var caption = form.querySelector("[data-preview-caption]");
  var image = null, objectUrl = null;
  function fitChoice() {
    var checked = form.querySelector("[name=input_fit]:checked");
    return checked ? checked.value : "cover";
  }
  function draw() {
    if (!preview || !canvas) return;
    if (!image) { preview.hidden = true; return; }
    var dims = size.value.split("x").map(function (n) { return parseInt(n, 10); });
    var W = dims[0], H = dims[1];
    if (!W || !H) return;
    var scale = Math.min(1, 320 / Math.max(W, H));  // a small preview of the exact shape
    canvas.width = Math.round(W * scale);
    canvas.height = Math.round(H * scale);
    var ctx = canvas.getContext("2d");
    var iw = image.naturalWidth, ih = image.naturalHeight;
    var fit = fitChoice();
    var k = fit === "contain" ? Math.min(canvas.width / iw, canvas.height / ih) : Math.max(canvas.width / iw, canvas.height / ih);
    var dw = iw * k, dh = ih * k;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(image, (canvas.width - dw) / 2, (canvas.height - dh) / 2, dw, dh);
    var label = form.querySelector("[name=input_fit]:checked");
    var fitName = label && label.parentNode ? label.parentNode.textContent.trim() : "Fill the frame (crop)";
    canvas.setAttribute("aria-label", "Preview of the first frame at " + W + " × " + H + ": " + fitName);
    caption.textContent = "First frame at " + W + " × " + H + ": " + fitName + ". Your image is " + iw + " × " + ih + ".";
    canvas.setAttribute("data-fit", fit);
    canvas.setAttribute("data-size", W + "x" + H);
    preview.hidden = false;
  }
  function load() {
    image = null;
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
    var chosen = file && file.files && file.files[0];
    if (!chosen || !/^image\/(jpeg|png|webp)$/.test(chosen.type)) { draw(); return; }
    objectUrl = URL.createObjectURL(chosen);
    var img = new Image();
    img.onload = function () { image = img; draw(); };
    img.onerror = function () { image = null; draw(); };
    img.src = objectUrl;
  }
  if (file) file.addEventListener("change", load);
  size.addEventListener("change", draw);
  model.addEventListener("change", draw);  // a model change may change the size
  form.querySelectorAll("[name=input_fit]").forEach(function (radio) { radio.addEventListener("change", draw); });
  load();
})();
