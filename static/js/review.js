// Review comments and the player's timeline (issue #15): a comment's timecode and a timeline marker seek the
// player; "Use the player's time" fills the comment's timecode with where the player is (m:ss).
(function () {
  "use strict";

  function player() {
    return document.querySelector("video[data-player]");
  }

  function mss(seconds) {
    var whole = Math.max(0, Math.floor(seconds));
    var m = Math.floor(whole / 60);
    var s = whole % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function seek(seconds) {
    var video = player();
    if (!video || isNaN(seconds)) return;
    var go = function () {
      video.currentTime = seconds;
      video.setAttribute("data-sought", String(seconds));
    };
    if (video.readyState >= 1) go();
    else video.addEventListener("loadedmetadata", go, { once: true });
    video.scrollIntoView({ block: "nearest" });
    video.focus({ preventScroll: true });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-seek]") : null;
    if (target) {
      event.preventDefault();
      seek(parseFloat(target.getAttribute("data-seek")));
      return;
    }
    var use = event.target.closest ? event.target.closest("[data-use-current-time]") : null;
    if (use) {
      var video = player();
      var field = use.form && use.form.querySelector("input[name=timecode]");
      if (video && field) {
        field.value = mss(video.currentTime);
        field.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
  });

  // The markers follow the file's real length once the player knows it (the page placed them by the set length).
  function place() {
    var video = player();
    var strip = document.querySelector("[data-review-timeline]");
    if (!video || !strip || !isFinite(video.duration) || video.duration <= 0) return;
    strip.querySelectorAll("[data-seek]").forEach(function (marker) {
      var at = parseFloat(marker.getAttribute("data-seek"));
      marker.style.left = Math.min(100, (100 * at) / video.duration) + "%";
    });
  }
  document.addEventListener("loadedmetadata", place, true);
  if (document.readyState !== "loading") place();
  else document.addEventListener("DOMContentLoaded", place);
})();
