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
  [model, size, seconds].forEach(function (el) { el.addEventListener("change", refresh); });
  prompt.addEventListener("input", count);
  refresh();
  count();
})();
