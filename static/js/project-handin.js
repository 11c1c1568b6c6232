// Browsers send only a file's own name in a multipart upload; a folder's sub-folders
// (queries/q1.sql, rules/01-x.valid.sql) travel in a hidden field, in the same order.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("handin-form");
  if (!form) return;
  form.addEventListener("submit", () => {
    const paths = [];
    for (const input of form.querySelectorAll('input[type="file"][name="files"]')) {
      for (const file of input.files) paths.push(file.webkitRelativePath || file.name);
    }
    document.getElementById("relative-paths").value = JSON.stringify(paths);
  });
});
