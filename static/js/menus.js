// Menus made of <details data-menu> (the gallery's "+ New video"): Escape closes an open menu and gives focus back
// to its button; a click or focus outside closes it; opening one closes the others. The <summary> is the button,
// so Enter and Space open it and Tab moves through its links as usual.
(function () {
  "use strict";
  function menus() { return document.querySelectorAll("details[data-menu][open]"); }
  function close(menu, focus) {
    menu.open = false;
    var summary = menu.querySelector("summary");
    if (summary) summary.setAttribute("aria-expanded", "false");
    if (focus && summary) summary.focus();
  }
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("details[data-menu]")) return;
    var summary = menu.querySelector("summary");
    if (summary) summary.setAttribute("aria-expanded", menu.open ? "true" : "false");
    if (menu.open) menus().forEach(function (other) { if (other !== menu) close(other, false); });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus().forEach(function (menu) {
      close(menu, true);
      event.preventDefault();
    });
  });
  function outside(event) {
    menus().forEach(function (menu) { if (!menu.contains(event.target)) close(menu, false); });
  }
  document.addEventListener("click", outside);
  document.addEventListener("focusin", outside);
  document.querySelectorAll("details[data-menu] summary").forEach(function (s) {
    s.setAttribute("aria-expanded", s.parentNode.open ? "true" : "false");
  });
})();
