// Behaviour every page shares, as a static file because the Content-Security-Policy allows
// no inline script and no on*= attribute: the theme toggle in the header, and fields that
// select their whole text when clicked (the invite link).
(function () {
  "use strict";
  var KEY = "indexed-theme";
  var root = document.documentElement;
  var systemDark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function effectiveTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "dark" || chosen === "light") return chosen;
    return systemDark && systemDark.matches ? "dark" : "light";
  }

  function showState(button) {
    var dark = effectiveTheme() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.title = dark ? "Dark theme on: switch to the light theme" : "Dark theme off: switch to the dark theme";
  }

  function setUpToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    button.hidden = false;
    showState(button);
    button.addEventListener("click", function () {
      var next = effectiveTheme() === "dark" ? "light" : "dark";
      var system = systemDark && systemDark.matches ? "dark" : "light";
      // Back to what the system asks for: forget the choice, so the page follows the system
      // again (when it changes at sunset, say). Otherwise remember the choice.
      try {
        if (next === system) window.localStorage.removeItem(KEY);
        else window.localStorage.setItem(KEY, next);
      } catch (err) { /* the choice lasts this page only */ }
      if (next === system) root.removeAttribute("data-theme");
      else root.setAttribute("data-theme", next);
      showState(button);
    });
    // Following the system: when it switches, the button's state follows it.
    if (systemDark && systemDark.addEventListener) {
      systemDark.addEventListener("change", function () { showState(button); });
    }
  }

  function setUpSelectOnClick() {
    document.addEventListener("click", function (event) {
      var field = event.target.closest ? event.target.closest("[data-select-on-click]") : null;
      if (field && typeof field.select === "function") field.select();
    });
  }

  // A box that scrolls sideways (code, a wide table on a phone) must be reachable from the
  // keyboard, or its hidden part can only be seen with a mouse. Boxes with a link or a field
  // inside are reached through those; the others get a tab stop and a name.
  var SCROLLERS = "pre, .table-scroll, .prose table, table.data, .schema-figure, .playground-plan";
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex], [contenteditable]";
  function markScrollers() {
    var boxes = document.querySelectorAll(SCROLLERS);
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.dataset.scrollMarked) continue;
      if (box.scrollWidth <= box.clientWidth + 1 && box.scrollHeight <= box.clientHeight + 1) continue;
      if (box.querySelector(FOCUSABLE)) continue;
      box.dataset.scrollMarked = "true";
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (box.tagName === "PRE" ? "Code" : "Table") + " (scrollable)");
      }
    }
  }

  function start() {
    setUpToggle();
    setUpSelectOnClick();
    markScrollers();
    var pending = 0;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(markScrollers, 200);
    });
    document.body.addEventListener("htmx:afterSettle", markScrollers);
    document.addEventListener("toggle", markScrollers, true); // a <details> opened: its code shows now
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
