// Live progress: polls the status endpoint for every unfinished video on the page and swaps in freshly rendered
// fragments (progress bars, gallery cards, the video page's player area) without reloading the page.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script.getAttribute("data-status-url");
  var showProject = script.getAttribute("data-show-project") === "1";
  var delay = 2000, maxDelay = 10000, timer = null;
  // What the page shows of each video (status:progress) since the last answer: the server renders fragments only
  // for the videos that moved.
  var shown = {};

  function liveIds() {
    var ids = {};
    document.querySelectorAll("[data-live][data-video], [data-live][data-media-for]").forEach(function (el) {
      ids[el.getAttribute("data-video") || el.getAttribute("data-media-for")] = true;
    });
    return Object.keys(ids);
  }
  function swap(el, html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    var fresh = tpl.content.firstElementChild;
    if (fresh) el.replaceWith(fresh);
  }
  function apply(id, v) {
    document.querySelectorAll('[data-progress-for="' + id + '"]').forEach(function (bar) {
      if (bar.closest("[data-video]") && v.finished) return; // the whole card is swapped below
      swap(bar, v.bar);
    });
    document.querySelectorAll('[data-status-for="' + id + '"]').forEach(function (el) {
      el.textContent = v.status_label;
      el.className = "status status-" + v.status;
    });
    var actions = document.querySelector('[data-actions-for="' + id + '"]');
    if (actions && v.actions && actions.getAttribute("data-status") !== v.status) swap(actions, v.actions);
    var card = document.querySelector('[data-video="' + id + '"]');
    if (card && v.card && (v.finished || card.className.indexOf("status-" + v.status) === -1)) swap(card, v.card);
    var media = document.querySelector('[data-media-for="' + id + '"]');
    if (media && v.media && (v.finished || media.getAttribute("data-status") !== v.status)) {
      var replace = function () {
        var current = document.querySelector('[data-media-for="' + id + '"]');
        if (!current) return;
        swap(current, v.media);
        var fresh = document.querySelector('[data-media-for="' + id + '"]');
        if (fresh) fresh.setAttribute("data-status", v.status);
        if (v.finished) document.dispatchEvent(new CustomEvent("video:page-finished", { detail: { id: id, status: v.status } }));
      };
      // Let the bar be seen full before the player takes its place.
      if (v.finished && media.querySelector("[data-progress-for]")) setTimeout(replace, 900); else replace();
    }
    if (v.finished) document.dispatchEvent(new CustomEvent("video:finished", { detail: { id: id, status: v.status } }));
  }
  function tick() {
    var ids = liveIds();
    if (!ids.length) return;
    var known = ids.filter(function (id) { return shown[id]; }).map(function (id) { return id + ":" + shown[id]; });
    var q = "?ids=" + encodeURIComponent(ids.join(",")) + (showProject ? "&show_project=1" : "") +
      (known.length ? "&known=" + encodeURIComponent(known.join(",")) : "") +
      (document.querySelector("[data-video]") ? "&cards=1" : "") +
      (document.querySelector("[data-media-for]") ? "&media=1" : "");
    fetch(url + q, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        Object.keys(data.videos).forEach(function (id) {
          var v = data.videos[id];
          if (v.unchanged) return;
          shown[id] = v.status + ":" + v.progress;
          apply(id, v);
        });
        delay = 2000;
      })
      .catch(function () { delay = Math.min(delay * 2, maxDelay); })
      .finally(function () { schedule(); });
  }
  function schedule() {
    clearTimeout(timer);
    if (liveIds().length) timer = setTimeout(tick, document.hidden ? maxDelay : delay);
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { clearTimeout(timer); tick(); } });
  schedule();
})();
