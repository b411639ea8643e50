// Copy buttons: <button data-copy-target="input-id" data-copied-label="Copied">
// with a <span data-copy-label> inside. Falls back to selecting the text, so the
// person can press Ctrl+C, where the clipboard API is unavailable.
(function () {
  "use strict";
  function announce(text) {
    var status = document.querySelector("[data-copy-status]");
    if (status) status.textContent = text;
  }
  function copied(button) {
    var label = button.querySelector("[data-copy-label]");
    if (!label) return;
    var original = label.textContent;
    label.textContent = button.dataset.copiedLabel;
    announce(button.dataset.copiedLabel);
    setTimeout(function () { label.textContent = original; }, 2000);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copyTarget);
    if (!field) return;
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { copied(button); });
    } else if (document.execCommand && document.execCommand("copy")) {
      copied(button);
    }
  });
})();
