// The storyboard page: takes follow their render live (the board's JSON status endpoint), and shots are reordered
// by drag and drop or from the keyboard (a handle: Space picks the shot up, arrows move it, Space drops it, Escape
// puts it back). Without this script the Up/Down buttons do the same, one place at a time.
(function () {
  "use strict";
  var script = document.currentScript;
  var statusUrl = script.getAttribute("data-status-url");
  var list = document.querySelector("[data-shots]");
  var live = document.querySelector("[data-reorder-live]");

  // ---- live takes ----------------------------------------------------------------------------------------------
  var delay = 2000, timer = null;
  function liveIds() {
    return Array.prototype.map.call(document.querySelectorAll("[data-take][data-live]"), function (el) {
      return el.getAttribute("data-take");
    });
  }
  function poll() {
    var ids = liveIds();
    if (!ids.length) return;
    fetch(statusUrl + "?takes=" + encodeURIComponent(ids.join(",")), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        Object.keys(data.takes).forEach(function (id) {
          var t = data.takes[id];
          var el = document.querySelector('[data-take="' + id + '"]');
          if (!el) return;
          var bar = el.querySelector("[role=progressbar]");
          if (el.getAttribute("data-status") !== t.status || t.finished || !bar) {
            var tpl = document.createElement("template");
            tpl.innerHTML = t.html.trim();
            if (tpl.content.firstElementChild) el.replaceWith(tpl.content.firstElementChild);
          } else {
            bar.setAttribute("aria-valuenow", t.progress);
            var fill = bar.querySelector(".progress-fill");
            if (fill) fill.style.width = t.progress + "%";
          }
        });
        delay = 2000;
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); })
      .finally(schedule);
  }
  function schedule() { clearTimeout(timer); if (liveIds().length) timer = setTimeout(poll, document.hidden ? 10000 : delay); }
  schedule();

  // ---- the cast pickers (add a shot, change a shot) -------------------------------------------------------------
  // As on the create form: hints only (at most two; a model whose provider has characters; each mentioned by name
  // in the prompt). The server refuses the first two with the reason.
  var castModelsEl = document.getElementById("cast-models");
  var castModels = castModelsEl ? JSON.parse(castModelsEl.textContent) : [];
  Array.prototype.forEach.call(document.querySelectorAll("form [data-cast-picker]"), function (picker) {
    var form = picker.closest("form");
    var note = picker.querySelector("[data-cast-note]");
    var promptEl = form.querySelector("[name=prompt]"), modelEl = form.querySelector("[name=model]");
    function hint() {
      var picked = Array.prototype.filter.call(picker.querySelectorAll("input[type=checkbox]"), function (box) {
        return box.checked;
      }).map(function (box) { return box.parentNode.textContent.trim(); });
      var notes = [];
      if (picked.length && modelEl && castModels.indexOf(modelEl.value) === -1) notes.push("this model's provider cannot use characters");
      if (picked.length > 2) notes.push("a shot can have at most 2 characters (" + picked.length + " picked)");
      var text = promptEl ? promptEl.value.toLowerCase() : "";
      var missing = picked.filter(function (name) { return text.indexOf(name.toLowerCase()) === -1; });
      if (missing.length) notes.push("mention " + missing.join(" and ") + " in the prompt");
      note.hidden = !notes.length;
      note.textContent = notes.length ? notes.join("; ").replace(/^./, function (c) { return c.toUpperCase(); }) + "." : "";
    }
    picker.addEventListener("change", hint);
    if (promptEl) promptEl.addEventListener("input", hint);
    if (modelEl) modelEl.addEventListener("change", hint);
    hint();
  });

  // ---- reordering ----------------------------------------------------------------------------------------------
  if (!list || !list.getAttribute("data-reorder-url")) return;
  var reorderUrl = list.getAttribute("data-reorder-url");
  var help = document.querySelector("[data-dnd-help]");
  if (help) help.hidden = false;
  function shots() { return Array.prototype.slice.call(list.querySelectorAll(":scope > [data-shot]")); }
  function say(text) { if (live) { live.textContent = ""; setTimeout(function () { live.textContent = text; }, 30); } }
  function renumber() {
    shots().forEach(function (li, i) {
      var n = i + 1;
      li.querySelector("[data-position]").textContent = n;
      var handle = li.querySelector("[data-handle]");
      if (handle) handle.setAttribute("aria-label", "Reorder shot " + n);
    });
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (field ? field.value : "");
  }
  function save(before) {
    var order = shots().map(function (li) { return li.getAttribute("data-shot"); });
    var body = new URLSearchParams();
    body.set("order", order.join(","));
    return fetch(reorderUrl, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { Accept: "application/json", "X-CSRFToken": csrf() },
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.error || "The new order was not saved.");
        // The no-script buttons keep their meaning: refresh which ends are disabled.
        shots().forEach(function (li, i, all) {
          var up = li.querySelector("input[value=up] + button"), down = li.querySelector("input[value=down] + button");
          if (up) up.disabled = i === 0;
          if (down) down.disabled = i === all.length - 1;
        });
        say("Order saved.");
      });
    }).catch(function (err) {
      before.forEach(function (li) { list.appendChild(li); });
      renumber();
      say(err.message + " The order was put back.");
    });
  }
  shots().forEach(function (li) {
    var handle = li.querySelector("[data-handle]");
    if (!handle) return;
    handle.hidden = false;
    li.setAttribute("draggable", "true");
  });

  // Mouse and touch-pad: HTML drag and drop, started from anywhere on the shot except its forms and players.
  var dragged = null, before = null;
  list.addEventListener("dragstart", function (e) {
    var li = e.target.closest && e.target.closest("[data-shot]");
    if (!li || e.target.closest("form, video, textarea, select, input, details")) { e.preventDefault(); return; }
    dragged = li; before = shots();
    li.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", li.getAttribute("data-shot"));
  });
  list.addEventListener("dragover", function (e) {
    if (!dragged) return;
    var over = e.target.closest && e.target.closest("[data-shot]");
    e.preventDefault();
    if (!over || over === dragged) return;
    var box = over.getBoundingClientRect();
    list.insertBefore(dragged, e.clientY < box.top + box.height / 2 ? over : over.nextSibling);
  });
  list.addEventListener("drop", function (e) { if (dragged) e.preventDefault(); });
  list.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    var moved = before.some(function (li, i) { return shots()[i] !== li; });
    var li = dragged;
    dragged = null;
    renumber();
    if (moved) { say("Shot moved to position " + (shots().indexOf(li) + 1) + "."); save(before); }
  });

  // Keyboard: the handle is a toggle button.
  var grabbed = null, grabBefore = null, moving = false;
  function drop(cancel) {
    if (!grabbed) return;
    var li = grabbed, handle = li.querySelector("[data-handle]");
    grabbed = null;
    li.classList.remove("grabbed");
    handle.setAttribute("aria-pressed", "false");
    if (cancel) {
      moving = true;
      grabBefore.forEach(function (x) { list.appendChild(x); });
      renumber();
      handle.focus();
      moving = false;
      say("Reorder cancelled; the shot is back at position " + (shots().indexOf(li) + 1) + ".");
      return;
    }
    renumber();
    handle.focus();
    var moved = grabBefore.some(function (x, i) { return shots()[i] !== x; });
    say("Dropped at position " + (shots().indexOf(li) + 1) + ".");
    if (moved) save(grabBefore);
  }
  list.addEventListener("keydown", function (e) {
    var handle = e.target.closest && e.target.closest("[data-handle]");
    if (!handle) return;
    var li = handle.closest("[data-shot]");
    if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      if (grabbed === li) { drop(false); return; }
      drop(false);
      grabbed = li; grabBefore = shots();
      li.classList.add("grabbed");
      handle.setAttribute("aria-pressed", "true");
      say("Shot " + (shots().indexOf(li) + 1) + " picked up. Arrow keys move it, Space drops it, Escape cancels.");
    } else if (e.key === "Escape" && grabbed === li) {
      e.preventDefault();
      drop(true);
    } else if ((e.key === "ArrowUp" || e.key === "ArrowDown") && grabbed === li) {
      e.preventDefault();
      var all = shots(), at = all.indexOf(li);
      moving = true;  // moving the focused shot in the page blurs its handle for a moment: not a drop
      if (e.key === "ArrowUp" && at > 0) list.insertBefore(li, all[at - 1]);
      else if (e.key === "ArrowDown" && at < all.length - 1) list.insertBefore(li, all[at + 1].nextSibling);
      renumber();
      handle.focus();
      moving = false;
      say("Position " + (shots().indexOf(li) + 1) + " of " + all.length + ".");
    }
  });
  list.addEventListener("focusout", function (e) {
    if (grabbed && !moving && !grabbed.contains(e.relatedTarget)) drop(false);
  });
})();
