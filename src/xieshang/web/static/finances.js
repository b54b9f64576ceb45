// Finances pages, progressive enhancement only (every figure that counts comes from the server):
// - the statement form shows an estimate of the repayment capacity as the borrower types:
//   regular income − essential spending − a 10 % buffer (rounded half-up to the fen), never
//   below 0 — the services' formula on the "own budget" basis, in whole fen (no float money);
// - the printable statement gets a "Print" button (hidden without JavaScript).
"use strict";

function toFen(text) {
  var plain = text.replace(/[,\s，]/g, "");
  if (plain === "") { return 0; }
  var parts = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(plain);
  if (!parts) { return null; }
  return parseInt(parts[1], 10) * 100 + parseInt(((parts[2] || "") + "00").slice(0, 2), 10);
}

function yuanText(fen) {
  var whole = Math.floor(fen / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  var cents = (fen % 100).toString();
  return "¥" + whole + "." + (cents.length < 2 ? "0" + cents : cents);
}

function liveCapacity(form, line) {
  var income = 0;
  var essential = 0;
  var ok = true;
  form.querySelectorAll("input[data-income]").forEach(function (input) {
    var regular = form.querySelector("#f-income-" + input.dataset.income + "-regular");
    var fen = toFen(input.value);
    if (fen === null) { ok = false; } else if (regular && regular.checked) { income += fen; }
  });
  form.querySelectorAll("input[data-essential]").forEach(function (input) {
    var fen = toFen(input.value);
    if (fen === null) { ok = false; } else { essential += fen; }
  });
  if (!ok) { line.hidden = true; return; }
  var buffer = Math.round(income / 10);
  var capacity = Math.max(0, income - essential - buffer);
  line.querySelector("[data-amount]").textContent = yuanText(capacity);
  line.hidden = false;
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  var line = document.getElementById("live-capacity");
  var form = line && line.closest("form");
  if (form) {
    form.addEventListener("input", function () { liveCapacity(form, line); });
    form.addEventListener("change", function () { liveCapacity(form, line); });
  }
});
