// Playground page: Ctrl/Cmd-Enter runs the query, and once the schema panel has loaded, its
// table and column names feed the SQL editor's completion. No inline script anywhere (the
// production CSP forbids it): the names arrive as JSON in a data attribute of the schema panel.
(function () {
  "use strict";
  function form() { return document.getElementById("playground-form"); }

  function runNow() {
    var f = form();
    if (!f) return;
    var button = f.querySelector('button[value="run"]');
    if (f.requestSubmit) f.requestSubmit(button); else button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form() && form().contains(event.target)) {
      event.preventDefault();
      runNow();
    }
  });

  function feedCompletion() {
    var data = document.getElementById("playground-schema-data");
    var textarea = document.getElementById("playground-text");
    var editor = window.IndexedEditor;
    if (!data || !textarea || !editor || typeof editor.setSqlSchema !== "function") return;
    try {
      editor.setSqlSchema(textarea._indexedEditor, JSON.parse(data.dataset.schema));
    } catch (err) {
      if (window.console) console.error("Completion from the schema is unavailable.", err);
    }
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "playground-schema") {
      // lab-editor.js upgrades the textarea on DOMContentLoaded; the schema may come first
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", feedCompletion);
      else feedCompletion();
    }
  });
})();
