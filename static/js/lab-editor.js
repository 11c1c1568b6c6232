// Upgrades lab answer textareas to CodeMirror editors (static/vendor/codemirror.min.js).
// Progressive enhancement: if the bundle did not load, or anything fails, the plain
// textarea stays and the form works as before.
(function () {
  "use strict";
  function upgradeAll() {
    var editor = window.IndexedEditor;
    if (!editor || typeof editor.upgradeTextarea !== "function") return;
    var areas = document.querySelectorAll("textarea.code-input[data-language]");
    for (var i = 0; i < areas.length; i++) {
      try {
        editor.upgradeTextarea(areas[i], areas[i].dataset.language);
      } catch (err) {
        areas[i].hidden = false;
        areas[i].style.display = "";
        if (window.console) console.error("Code editor unavailable; using the plain text box.", err);
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", upgradeAll);
  } else {
    upgradeAll();
  }
})();
