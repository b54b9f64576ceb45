// The printable statement: a "Print" button for browsers with JavaScript (it stays hidden
// without it; the page says to use the browser's own Print then).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
