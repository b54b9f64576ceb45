// Drag and drop onto a document upload field (class "drop-zone"): a dropped file fills the
// form's own file input, so the form posts exactly as it does without this script.  The chosen
// file's name is shown, and a file over the instance's limit is pointed out before it is sent.
(function () {
  "use strict";
  document.querySelectorAll(".drop-zone").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    var status = zone.querySelector(".drop-status");
    if (!input || !status) {
      return;
    }
    var max = Number(zone.getAttribute("data-max-bytes")) || 0;

    function tooBig() {
      var file = input.files && input.files[0];
      return Boolean(file && max > 0 && file.size > max);
    }

    function show() {
      var file = input.files && input.files[0];
      var refused = tooBig();
      status.textContent = !file ? "" : refused
        ? zone.getAttribute("data-too-large")
        : zone.getAttribute("data-chosen").replace("{name}", file.name);
      status.classList.toggle("error", refused);
      if (refused) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    }

    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "dragend", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () {
        zone.classList.remove("dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        show();
      }
    });
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (tooBig()) {
          event.preventDefault();
          show();
          input.focus();
        }
      });
    }
  });
})();
