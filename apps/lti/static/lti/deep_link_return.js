// Hands the signed placement back to the LMS as soon as the page is shown.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("lti-deep-link-return");
  if (form) form.submit();
});
