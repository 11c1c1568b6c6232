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
      root.setAttribute("data-theme", next);
      try { window.localStorage.setItem(KEY, next); } catch (err) { /* the choice lasts this page only */ }
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

  function start() {
    setUpToggle();
    setUpSelectOnClick();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
