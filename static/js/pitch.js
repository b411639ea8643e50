// Live word count and spoken-time estimate for the elevator pitch. Mirrors
// apps.students.services.pitch_stats so the page agrees with the server.
(function () {
  "use strict";
  function update(textarea, stats) {
    var words = textarea.value.trim() ? textarea.value.trim().split(/\s+/).length : 0;
    var wpm = Number(stats.dataset.wpm), min = Number(stats.dataset.min), max = Number(stats.dataset.max);
    var verdict = words === 0 ? "empty" : words < min ? "short" : words > max ? "long" : "good";
    stats.querySelector("[data-pitch-words]").textContent = words;
    stats.querySelector("[data-pitch-seconds]").textContent = Math.ceil(words * 60 / wpm);
    stats.querySelectorAll("[data-pitch-verdict]").forEach(function (el) {
      el.hidden = el.dataset.pitchVerdict !== verdict;
    });
    stats.classList.toggle("text-success", verdict === "good");
    stats.classList.toggle("text-warning-emphasis", verdict === "short" || verdict === "long");
    stats.classList.toggle("text-body-secondary", verdict === "empty");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var textarea = document.querySelector("textarea[data-pitch]");
    var stats = document.getElementById("pitch-stats");
    if (!textarea || !stats) return;
    stats.setAttribute("aria-live", "off");  // announce only when the typist pauses
    var timer;
    textarea.addEventListener("input", function () {
      update(textarea, stats);
      clearTimeout(timer);
      stats.setAttribute("aria-live", "off");
      timer = setTimeout(function () { stats.setAttribute("aria-live", "polite"); }, 1200);
    });
  });
})();
