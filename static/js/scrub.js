// Hovering a gallery card scrubs through the video's spritesheet: a grid of frames (columns x rows, in time order,
// left to right then top to bottom) shown one tile at a time as the pointer moves across the thumbnail.
(function () {
  "use strict";
  function show(scrub, fraction) {
    var cols = parseInt(scrub.getAttribute("data-cols"), 10) || 1;
    var rows = parseInt(scrub.getAttribute("data-rows"), 10) || 1;
    var tiles = cols * rows;
    var i = Math.min(tiles - 1, Math.max(0, Math.floor(fraction * tiles)));
    var x = cols > 1 ? (i % cols) * 100 / (cols - 1) : 0;
    var y = rows > 1 ? Math.floor(i / cols) * 100 / (rows - 1) : 0;
    if (!scrub.style.backgroundImage) scrub.style.backgroundImage = "url(" + scrub.getAttribute("data-sprite") + ")";
    scrub.style.backgroundSize = (cols * 100) + "% " + (rows * 100) + "%";
    scrub.style.backgroundPosition = x + "% " + y + "%";
    scrub.classList.add("scrubbing");
    var bar = scrub.querySelector(".scrub-pos");
    if (bar) bar.style.width = Math.round(fraction * 100) + "%";
  }
  document.addEventListener("pointermove", function (e) {
    var thumb = e.target.closest && e.target.closest(".thumb");
    if (!thumb) return;
    var scrub = thumb.querySelector(".scrub[data-sprite]");
    if (!scrub) return;
    var r = thumb.getBoundingClientRect();
    show(scrub, (e.clientX - r.left) / r.width);
  });
  document.addEventListener("pointerout", function (e) {
    var thumb = e.target.closest && e.target.closest(".thumb");
    if (!thumb || (e.relatedTarget && thumb.contains(e.relatedTarget))) return;
    var scrub = thumb.querySelector(".scrub");
    if (scrub) scrub.classList.remove("scrubbing");
  });
})();
