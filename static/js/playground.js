// Playground page: Ctrl/Cmd-Enter runs the query; the schema's names are kept for the
// editor's completion. No inline script anywhere (the production CSP forbids it).
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

  // The vendored CodeMirror bundle's sql() takes no schema, so completion from the tables
  // shown here waits for a rebuild that exposes it; the names stay on window for that.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "playground-schema") {
      var data = document.getElementById("playground-schema-data");
      if (data) {
        try { window.IndexedPlaygroundSchema = JSON.parse(data.textContent); } catch (err) { /* keep going */ }
      }
    }
  });
})();
