// The video page: the remix window countdown, the several-changes hint, "play both" for the side-by-side
// comparison, and one-click submits.
(function () {
  "use strict";
  var countdown = document.querySelector("[data-deadline]");
  if (countdown) {
    var deadline = new Date(countdown.getAttribute("data-deadline")).getTime();
    var out = countdown.querySelector("[data-countdown]");
    var form = document.querySelector(".remix-form");
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      if (left === 0) {
        countdown.textContent = "The remix window has closed: the studio allows remixing for " +
          countdown.getAttribute("data-window-hours") + " hours after a video is created.";
        if (form) form.querySelectorAll("textarea, select, button").forEach(function (el) { el.disabled = true; });
        return;
      }
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      out.textContent = h + " h " + String(m).padStart(2, "0") + " min " + String(s).padStart(2, "0") + " s";
      setTimeout(tick, 1000);
    };
    tick();
  }
  var prompt = document.querySelector(".remix-form textarea");
  var hint = document.querySelector("[data-remix-hint]");
  if (prompt && hint) {
    prompt.addEventListener("input", function () {
      var n = (prompt.value.match(/\b(and|also|plus|then)\b|[,;]/gi) || []).length;
      hint.hidden = n < 3;
    });
  }
  var both = document.querySelector("[data-play-both]");
  if (both) {
    both.addEventListener("click", function () {
      document.querySelectorAll("[data-compare]").forEach(function (v) { v.currentTime = 0; v.play(); });
    });
  }
  document.querySelectorAll("form[data-submit-once]").forEach(function (f) {
    f.addEventListener("submit", function () {
      var b = f.querySelector("button[type=submit]");
      if (b) setTimeout(function () { b.disabled = true; }, 0);
    });
  });
})();
