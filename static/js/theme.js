// Applies the learner's chosen colour theme before the page is drawn (loaded in <head>,
// without defer, so there is no flash of the wrong theme). No choice stored: the CSS follows
// the system's prefers-color-scheme. The header's toggle (static/js/site.js) stores a choice.
(function () {
  "use strict";
  try {
    var chosen = window.localStorage.getItem("indexed-theme");
    if (chosen === "dark" || chosen === "light") document.documentElement.setAttribute("data-theme", chosen);
  } catch (err) {
    // Storage blocked (private mode, a policy): the system's theme applies.
  }
})();
