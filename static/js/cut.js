// A final cut's page: follows the stitching live (the JSON status endpoint), swapping in the player when it is done.
(function () {
  "use strict";
  var url = document.currentScript.getAttribute("data-status-url");
  var delay = 1000, timer = null;
  function live() { return document.querySelector("[data-cut-media][data-live]"); }
  function swap(html) {
    var current = document.querySelector("[data-cut-media]");
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    if (current && tpl.content.firstElementChild) current.replaceWith(tpl.content.firstElementChild);
  }
  function tick() {
    if (!live()) return;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var media = document.querySelector("[data-cut-media]");
        var bar = media && media.querySelector("[role=progressbar]");
        if (data.finished || !bar || media.getAttribute("data-status") !== data.status) swap(data.media);
        else {
          bar.setAttribute("aria-valuenow", data.progress);
          bar.querySelector(".progress-fill").style.width = data.progress + "%";
          bar.querySelector(".progress-label").textContent = data.status_label + " · " + data.progress + " %";
        }
        if (data.finished) { document.dispatchEvent(new CustomEvent("cut:finished", { detail: data })); if (data.status === "completed") location.reload(); }
        delay = 1000;
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); })
      .finally(function () { clearTimeout(timer); if (live()) timer = setTimeout(tick, delay); });
  }
  if (live()) timer = setTimeout(tick, delay);
})();
