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

// Every form marked data-keep-draft keeps what was typed in this tab's sessionStorage, so a refused submit (an
// expired security token after logging in again elsewhere, a server error) loses nothing: a fresh copy of the page
// fills the form back in. The draft is dropped once a submit succeeds, i.e. the next page is neither an error page
// (marked data-keep-drafts) nor the same form showing errors. Passwords, files and hidden fields are never kept.
(function () {
  "use strict";
  var PREFIX = "studio-draft:";
  var PENDING = "studio-draft-pending";
  var store;
  try {
    store = window.sessionStorage;
    store.getItem(PENDING);
  } catch (e) {
    return;  // storage disabled: forms work as before, without drafts
  }

  function keyOf(form) {
    var id = form.getAttribute("data-keep-draft") || new URL(form.getAttribute("action") || "", location.href).pathname;
    return PREFIX + location.pathname + "|" + id;
  }
  function kept(field) {
    if (!field.name || field.disabled || field.hasAttribute("data-no-draft")) return false;
    if (field.name === "csrfmiddlewaretoken" || field.name === "submit_token") return false;
    var type = (field.type || "").toLowerCase();
    return ["password", "file", "hidden", "submit", "button", "reset", "image"].indexOf(type) === -1;
  }
  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, kept);
  }
  function save(form) {
    var values = {};
    fieldsOf(form).forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") values[field.name + "=" + field.value] = field.checked;
      else if (field.multiple) values[field.name] = Array.prototype.filter.call(field.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
      else values[field.name] = field.value;
    });
    try {
      store.setItem(keyOf(form), JSON.stringify(values));
    } catch (e) { /* full: the draft just is not kept */ }
  }
  function restore(form) {
    var raw = store.getItem(keyOf(form));
    if (!raw) return;
    var values;
    try { values = JSON.parse(raw); } catch (e) { return; }
    fieldsOf(form).forEach(function (field) {
      var changed = false;
      if (field.type === "checkbox" || field.type === "radio") {
        var k = field.name + "=" + field.value;
        if (k in values && field.checked !== values[k]) { field.checked = values[k]; changed = true; }
      } else if (field.name in values) {
        if (field.multiple) {
          Array.prototype.forEach.call(field.options, function (o) { o.selected = values[field.name].indexOf(o.value) !== -1; });
          changed = true;
        } else if (field.value !== values[field.name]) {
          field.value = values[field.name];
          changed = true;
        }
      }
      if (changed) {
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-keep-draft]"));
  // The outcome of the last submit from this tab, judged by the page it led to.
  var pending = store.getItem(PENDING);
  if (pending) {
    store.removeItem(PENDING);
    var refused = document.querySelector("[data-keep-drafts]") || forms.some(function (form) {
      return keyOf(form) === pending && form.querySelector(".field-invalid, [role=alert]");
    });
    if (!refused) store.removeItem(pending);
  }
  forms.forEach(restore);

  function draftForm(target) {
    var form = target && target.form;
    return form && form.matches("form[data-keep-draft]") ? form : null;
  }
  document.addEventListener("input", function (event) {
    var form = draftForm(event.target);
    if (form) save(form);
  });
  document.addEventListener("change", function (event) {
    var form = draftForm(event.target);
    if (form) save(form);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-keep-draft]")) return;
    save(form);
    setTimeout(function () {  // after every other submit handler: a cancelled submit is not pending
      if (!event.defaultPrevented) store.setItem(PENDING, keyOf(form));
    }, 0);
  });
})();
