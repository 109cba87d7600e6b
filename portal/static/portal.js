// Palisade portal: small progressive enhancements. Every page works
// without this script; it only saves round trips and adds keyboard help.
(function () {
  "use strict";

  // Forms marked data-confirm ask before they are sent.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });

  // A drop-down marked data-autosubmit sends its form with that action
  // when it changes (choosing a definition loads its parameters).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () {
      var b = s.form.querySelector('button[name="action"][value="' + s.getAttribute("data-autosubmit") + '"]');
      if (b && s.form.requestSubmit) { s.form.requestSubmit(b); }
    });
  });

  // The scope tree: the chosen scope is shown next to "Selected".
  document.querySelectorAll("input[data-scope]").forEach(function (r) {
    var current = document.getElementById("scope-value");
    if (current && current.value.toLowerCase() === r.value.toLowerCase()) { r.checked = true; }
    r.addEventListener("change", function () {
      if (current) { current.value = r.value; }
      var label = document.getElementById("scope-selected");
      if (label) { label.textContent = r.parentNode.textContent.trim().replace(/\s+/g, " "); }
    });
  });

  // "Only show parameters that need input or review" hides parameters
  // that have a default value.
  var only = document.getElementById("onlyNeeded");
  if (only) {
    only.addEventListener("change", function () {
      document.querySelectorAll(".param.has-default").forEach(function (p) { p.hidden = only.checked; });
      var note = document.getElementById("params-hidden-note");
      if (note) { note.textContent = only.checked ? "Parameters with default values are hidden; clear the checkbox to review them." : ""; }
    });
  }

  // Tabs: arrow keys move between them, as in the Azure portal.
  document.querySelectorAll('[role="tablist"]').forEach(function (list) {
    var tabs = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
    list.addEventListener("keydown", function (e) {
      var i = tabs.indexOf(document.activeElement);
      if (i < 0) { return; }
      if (e.key === "ArrowRight") { tabs[(i + 1) % tabs.length].focus(); e.preventDefault(); }
      if (e.key === "ArrowLeft") { tabs[(i + tabs.length - 1) % tabs.length].focus(); e.preventDefault(); }
    });
  });

  // Move focus to a notification so screen readers and keyboard users
  // meet it first.
  var n = document.getElementById("notification");
  if (n) { n.setAttribute("tabindex", "-1"); n.focus(); }
})();
