// Browsers send only a file's own name in a multipart upload; a folder's sub-folders
// (queries/q1.sql, rules/01-x.valid.sql) travel in a hidden field, in the same order.
// A folder far larger than a hand-in is stopped here, before it is sent at all.
const MAX_FILES = 100;

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("handin-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    const paths = [];
    for (const input of form.querySelectorAll('input[type="file"][name="files"]')) {
      for (const file of input.files) paths.push(file.webkitRelativePath || file.name);
    }
    const note = document.getElementById("handin-note");
    if (paths.length > MAX_FILES) {
      event.preventDefault();
      note.textContent = `You chose ${paths.length} files; a hand-in may have at most ${MAX_FILES}. ` +
        "Choose only the files the brief lists (no data dumps, .git or virtualenv folders).";
      return;
    }
    document.getElementById("relative-paths").value = JSON.stringify(paths);
  });
});
