// Times in the viewer's own zone: every <time datetime data-local> the server wrote in its zone (UTC by default)
// is shown in the browser's zone, with the UTC value as its title. Relative times ("5 minutes ago", "just now")
// keep their words and get the local and UTC times as the title. Fragments swapped in later are covered too.
(function () {
  "use strict";
  var STYLES = {
    datetime: { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" },
    short: { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" },
    date: { day: "numeric", month: "short", year: "numeric" },
    ago: { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" }
  };
  var FULL = { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" };
  function utc(when) {
    var opts = {};
    Object.keys(FULL).forEach(function (k) { opts[k] = FULL[k]; });
    opts.timeZone = "UTC";
    return new Intl.DateTimeFormat(undefined, opts).format(when) + " UTC";
  }
  function localise(el) {
    var style = el.getAttribute("data-local");
    var when = new Date(el.getAttribute("datetime"));
    if (!STYLES[style] || isNaN(when.getTime())) return;
    var local = new Intl.DateTimeFormat(undefined, STYLES[style]).format(when);
    if (style === "ago") {
      el.title = local + " (" + utc(when) + ")";  // the words stay: "just now", "5 minutes ago"
    } else {
      el.textContent = local;
      el.title = utc(when);
    }
    el.setAttribute("data-localised", "1");
  }
  function all(root) {
    (root || document).querySelectorAll("time[datetime][data-local]:not([data-localised])").forEach(localise);
  }
  all();
  new MutationObserver(function () { all(); }).observe(document.body, { subtree: true, childList: true });
})();
