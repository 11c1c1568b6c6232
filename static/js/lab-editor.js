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
        var view = editor.upgradeTextarea(areas[i], areas[i].dataset.language);
        // The editable area is focusable already (contenteditable); saying so with tabindex
        // lets checkers such as axe see that its scrolling box is reachable by keyboard.
        if (view && view.contentDOM && !view.contentDOM.hasAttribute("tabindex")) view.contentDOM.setAttribute("tabindex", "0");
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
