// The lab page's behaviour, kept out of the HTML because the Content-Security-Policy allows no
// inline script: a fresh token per request, refusal notes cleared on resend, Ctrl/Cmd-Enter to
// submit, a draft of the answer kept per lab in this browser, "Back to the starter code", and
// the verdict announced to screen readers when it is final.
// Loaded before lab-editor.js (both deferred), so a restored draft is in the textarea before
// CodeMirror reads it; setAnswer() also handles an editor that already exists.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) return;
  var answer = form.querySelector("textarea[name=answer]");
  var draftKey = form.getAttribute("data-draft-key");
  var starter = document.getElementById("starter-code");
  var note = document.getElementById("draft-note");
  var announcer = document.getElementById("verdict-announcer");
  // What the server last knows of this answer (the latest submission or the starter code): a
  // draft is worth keeping only while the editor differs from it.
  var baseline = answer.value;
  var lastAction = "";

  function storage() {
    try { return window.localStorage; } catch (err) { return null; }
  }
  function readDraft() {
    var store = storage();
    return store && draftKey ? store.getItem(draftKey) : null;
  }
  function saveDraft() {
    var store = storage();
    if (!store || !draftKey) return;
    try {
      if (answer.value === baseline) store.removeItem(draftKey);
      else store.setItem(draftKey, answer.value);
    } catch (err) { /* storage full or blocked: the draft lives in the editor only */ }
  }
  function setAnswer(text) {
    var view = answer._indexedEditor;
    if (view) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    answer.value = text;
  }
  function say(text) {
    if (note) note.textContent = text;
  }

  // A draft from an earlier visit comes back into the editor, and the page says so.
  var draft = readDraft();
  if (draft !== null && draft !== answer.value) {
    setAnswer(draft);
    say("Restored the draft you were writing (kept in this browser, not yet sent).");
  }
  // CodeMirror copies every change into the textarea without an input event: compare often.
  var saved = answer.value;
  function saveIfChanged() {
    if (answer.value !== saved) { saved = answer.value; saveDraft(); }
  }
  window.setInterval(saveIfChanged, 800);
  form.addEventListener("input", saveIfChanged);
  window.addEventListener("pagehide", saveIfChanged);

  // Back to the starter code, after asking: the current text is lost (a submitted one is
  // still in the attempts list).
  var reset = document.getElementById("reset-to-starter");
  if (reset && starter) {
    reset.hidden = false;
    reset.addEventListener("click", function () {
      if (!window.confirm("Replace your answer in the editor with the starter code? Your unsent changes are lost.")) return;
      setAnswer(starter.content.textContent);
      saveIfChanged();
      say("The editor holds the starter code again.");
    });
  }

  // Ctrl-Enter (Cmd-Enter on a Mac) submits for grading. Listening in the capture phase gets
  // the key before CodeMirror, whose own Mod-Enter would insert a blank line.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || !form.contains(event.target)) return;
    event.preventDefault();
    event.stopPropagation();
    var button = form.querySelector('button[name=action][value=submit]');
    if (!button || button.disabled) return;
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }, true);

  form.addEventListener("submit", function (event) {
    lastAction = event.submitter ? event.submitter.value : "submit";
  }, true);

  // A fresh token after each request, so the next deliberate submit is a new submission
  // while a double click on the same one is not. Reasons from an earlier refusal go away
  // when the learner sends again.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt !== form) return;
    document.getElementById("problems").innerHTML = "";
    document.getElementById("verdict-note").innerHTML = "";
    say("");
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt !== form) return;
    form.querySelector("input[name=token]").value = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
    // An accepted submission is on the server now: the draft is no longer needed.
    if (event.detail.successful && event.detail.xhr && event.detail.xhr.status < 300 && lastAction === "submit") {
      baseline = answer.value;
      saveDraft();
    }
  });

  // The verdict area is replaced several times while an answer is queued and running; the
  // screen reader hears one short sentence when the final verdict arrives, not every poll. Its
  // words differ from the verdict's own, so a search of the page for "Score: 0%" finds one.
  var announced = {};
  function summary(box) {
    var score = box.querySelector(".score strong");
    if (score) {
      var failed = box.querySelectorAll(".check.fail").length;
      return "Graded: " + score.textContent.trim() + (failed ? ", " + failed + (failed === 1 ? " check" : " checks") + " failed." : ".");
    }
    if (box.querySelector(".status.failed")) return "Not graded: the grader could not run it, and it is not counted.";
    if (box.querySelector(".checks, .previews, .transcript")) return "Run finished: its output is below.";
    return "The verdict is below.";
  }
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!announcer) return;
    var box = document.querySelector("#verdict .submission");
    if (!box || announced[box.id] || box.hasAttribute("hx-get")) return; // none yet, told, or still polling
    announced[box.id] = true;
    announcer.textContent = summary(box);
  });
  // The verdict shown when the page loads is old news: not announced.
  var initial = document.querySelector("#verdict .submission");
  if (initial && !initial.hasAttribute("hx-get")) announced[initial.id] = true;
})();
