// The video page: the remix window countdown, the several-changes hint, "play both" for the side-by-side
// comparison, and a soft refresh (no page load) when the video finishes rendering, so its
// downloads, remix form and lineage appear in place.
(function () {
  "use strict";
  var timer = null;

  function countdown() {
    clearTimeout(timer);
    var el = document.querySelector("[data-deadline]");
    if (!el) return;
    var deadline = new Date(el.getAttribute("data-deadline")).getTime();
    var out = el.querySelector("[data-countdown]");
    var forms = document.querySelectorAll(".remix-form, .edit-form, .extend-form");
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      if (left === 0) {
        el.textContent = el.getAttribute("data-closed");
        forms.forEach(function (form) {
          form.querySelectorAll("textarea, select, button").forEach(function (x) { x.disabled = true; });
        });
        return;
      }
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      out.textContent = h + " h " + String(m).padStart(2, "0") + " min " + String(s).padStart(2, "0") + " s";
      timer = setTimeout(tick, 1000);
    };
    tick();
  }

  // What the user typed or chose in the page's forms (a comment, a tag, a prompt...), so the soft refresh gives it
  // back in the same fields of the fresh content (by form action and field name) instead of wiping it.
  function typedIn(root) {
    var out = [], active = document.activeElement;
    root.querySelectorAll("form").forEach(function (form) {
      form.querySelectorAll("textarea, input, select").forEach(function (f) {
        if (!f.name || f.type === "hidden" || f.type === "file" || f.type === "submit") return;
        var changed = f.type === "checkbox" || f.type === "radio" ? f.checked !== f.defaultChecked
          : f.tagName === "SELECT" ? Array.prototype.some.call(f.options, function (o) { return o.selected !== o.defaultSelected; })
          : f.value !== f.defaultValue;
        if (changed || f === active) {
          out.push({ action: form.getAttribute("action"), name: f.name, value: f.value, checked: f.checked,
                     focus: f === active, box: f.type === "checkbox" || f.type === "radio" });
        }
      });
    });
    return out;
  }
  function typedBack(root, typed) {
    typed.forEach(function (t) {
      root.querySelectorAll("form").forEach(function (form) {
        if (form.getAttribute("action") !== t.action) return;
        form.querySelectorAll("textarea, input, select").forEach(function (f) {
          if (f.name !== t.name) return;
          if (t.box) { if (f.value === t.value) f.checked = t.checked; } else f.value = t.value;
          if (t.focus) f.focus();
        });
      });
    });
  }

  function init() {
    countdown();
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
  }

  document.addEventListener("video:page-finished", function () {
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("main.container");
        var main = document.querySelector("main.container");
        if (!fresh || !main) return;
        // The player that just appeared stays (the same element: whoever started watching keeps playing, and the
        // browser does not fetch the file again); every other video in the old content lets go of its download
        // (a removed <video> keeps its connection until collected, and a browser opens only six per server).
        var player = main.querySelector("[data-media-for]");
        if (player && !player.querySelector("video[data-player]")) player = null;
        main.querySelectorAll("video").forEach(function (v) {
          if (player && player.contains(v)) return;
          v.pause();
          v.removeAttribute("src");
          v.load();
        });
        var typed = typedIn(main);
        main.innerHTML = fresh.innerHTML;
        typedBack(main, typed);
        if (player) {
          var slot = main.querySelector('[data-media-for="' + player.getAttribute("data-media-for") + '"]');
          if (slot && slot.querySelector("video[data-player]")) slot.replaceWith(player);
        }
        document.title = doc.title;
        init();
      })
      .catch(function () { /* the page still works; a reload shows the rest */ });
  });
  init();
})();
