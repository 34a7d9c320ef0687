// Organise: stars toggle in place (the form posts with fetch; without scripts it posts and comes back to the same
// card), and the gallery's bulk bar counts the checked boxes, offers "select all", caps the selection and asks
// before deleting. Every form works without this script.
(function () {
  "use strict";

  function setStar(form, on) {
    var button = form.querySelector("button");
    var glyph = form.querySelector("[data-star-glyph]");
    form.querySelector('input[name="on"]').value = on ? "0" : "1";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.classList.toggle("is-on", on);
    button.title = on ? "Remove from my favourites" : "Add to my favourites";
    if (glyph) glyph.textContent = on ? "★" : "☆";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-organise-star]");
    if (!form || !window.fetch) return;
    event.preventDefault();
    var wanted = form.querySelector('input[name="on"]').value === "1";
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { setStar(form, data.favourite); })
      .catch(function () { setStar(form, !wanted); form.submit(); });  // fall back to the plain post
    setStar(form, wanted);
  });

  var bar = document.querySelector("[data-organise-bulk]");
  if (!bar) return;
  var max = parseInt(bar.getAttribute("data-max"), 10) || 100;
  var count = bar.querySelector("[data-bulk-count]");
  var all = bar.querySelector("[data-bulk-all]");
  var initial = count.textContent;
  function picks() { return Array.prototype.slice.call(document.querySelectorAll("[data-bulk-pick]")); }
  function update() {
    var n = picks().filter(function (box) { return box.checked; }).length;
    count.textContent = n ? n + " selected" + (n > max ? " (at most " + max + ")" : "") + ":" : initial;
    bar.classList.toggle("has-selection", n > 0);
  }
  if (all) {
    all.hidden = false;
    all.addEventListener("click", function () {
      var boxes = picks();
      var every = boxes.every(function (box) { return box.checked; });
      boxes.forEach(function (box) { box.checked = !every; });
      update();
    });
  }
  document.addEventListener("change", function (event) { if (event.target.matches("[data-bulk-pick]")) update(); });
  bar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
  update();
})();
