// Every form marked data-submit-once: its submit button is disabled once the browser has sent it, so a double
// click cannot send it twice (the server also ignores a repeated submit token). Delegated, so forms swapped in
// later are covered too. A button's data-busy text replaces its label while the page loads.
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  if (!form.matches || !form.matches("form[data-submit-once]")) return;
  var button = form.querySelector("button[type=submit]");
  if (!button) return;
  setTimeout(function () {  // after the browser has captured the form data
    button.disabled = true;
    if (button.getAttribute("data-busy")) button.textContent = button.getAttribute("data-busy");
  }, 0);
});
