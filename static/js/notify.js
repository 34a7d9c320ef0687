// The notification bell (reviews, part 4): keeps the header's unread count and the tab title's "(N)" prefix up to date
// with a light poll of reviews:notify-unread, and, once the member clicked "Enable browser notifications" (on the
// notifications page) and the browser allowed it, shows a browser notification for each new one while a page is open.
(function () {
  "use strict";
  var bell = document.getElementById("notify-bell");
  if (!bell) return;
  var url = bell.getAttribute("data-unread-url");
  var every = Math.max(1, parseInt(bell.getAttribute("data-poll-seconds"), 10) || 20) * 1000;
  var badge = bell.querySelector("[data-notify-count]");
  var baseTitle = document.title.replace(/^\(\d+\+?\) /, "");
  // Only what happened after this page was drawn pops up (the server's clock on both sides).
  var since = (parseInt(bell.getAttribute("data-now"), 10) || Date.now() / 1000) * 1000;
  var SEEN = "notify.seen";
  var ENABLED = "notify.browser";

  function render(count) {
    badge.textContent = String(count);
    badge.hidden = count < 1;
    bell.classList.toggle("notify-bell-unread", count > 0);
    bell.setAttribute("aria-label", count > 0 ? "Notifications: " + count + " unread" : "Notifications");
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
  }

  function seen() {
    try { return JSON.parse(sessionStorage.getItem(SEEN) || "[]"); } catch (e) { return []; }
  }

  function browserEnabled() {
    try {
      return "Notification" in window && Notification.permission === "granted" && localStorage.getItem(ENABLED) === "on";
    } catch (e) { return false; }
  }

  function announce(latest) {
    var known = seen();
    var fresh = latest.filter(function (n) { return known.indexOf(n.id) < 0 && Date.parse(n.created_at) >= since - 1000; });
    latest.forEach(function (n) { if (known.indexOf(n.id) < 0) known.push(n.id); });
    try { sessionStorage.setItem(SEEN, JSON.stringify(known.slice(-200))); } catch (e) { /* private mode */ }
    if (!browserEnabled()) return;
    fresh.forEach(function (n) {
      var shown = new Notification("Sora Studio", { body: n.text, tag: n.id });
      shown.onclick = function () { window.focus(); window.location.href = n.url; };
    });
  }

  var failures = 0;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, redirect: "error" })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        failures = 0;
        render(data.unread || 0);
        announce(data.latest || []);
      })
      .catch(function () { failures += 1; })
      .then(function () {
        if (failures < 5) setTimeout(poll, every * Math.pow(2, failures));
      });
  }

  render(parseInt(bell.getAttribute("data-unread"), 10) || 0);
  setTimeout(poll, every);

  var enable = document.getElementById("notify-enable");
  var status = document.getElementById("notify-enable-status");
  if (enable && "Notification" in window && Notification.permission !== "denied") {
    enable.hidden = browserEnabled();
    enable.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission === "granted") {
          try { localStorage.setItem(ENABLED, "on"); } catch (e) { /* private mode */ }
          enable.hidden = true;
          if (status) status.textContent = "Browser notifications are on while a studio page is open.";
        } else if (status) {
          status.textContent = "The browser did not allow notifications.";
        }
      });
    });
  }
})();
