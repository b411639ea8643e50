// The meeting view: a countdown against the agreed length, from the agreed start
// or from the "Start timer" button (kept across reloads), announced to screen
// readers at most once a minute; and the quick notes' saving status.
(function () {
  "use strict";
  var MINUTE = 60000;

  function store(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (e) { /* private browsing: the timer still runs until a reload */ }
    return null;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    return Math.floor(s / 60) + ":" + pad(s % 60);
  }

  function setUpTimer(box) {
    var display = document.getElementById("timer-display");
    var note = document.getElementById("timer-note");
    var announce = document.getElementById("timer-announce");
    var button = document.getElementById("timer-start");
    var length = Number(box.dataset.minutes) * MINUTE;
    var agreed = Date.parse(box.dataset.startsAt);
    var key = box.dataset.storageKey;
    var manual = Number(store(key)) || null;
    var lastSpoken = null, lastSpokenAt = 0;
    var d = box.dataset;
    var agreedNote = note.textContent;

    function fill(text, n) { return text.replace("{n}", n); }

    function tick() {
      var now = Date.now();
      var start = manual || (agreed && agreed <= now ? agreed : null);
      var message;
      if (!start) {
        display.textContent = clock(length);
        // Counted down in minutes only in the last hour; before that the agreed
        // time as the page gave it.
        var before = agreed ? Math.ceil((agreed - now) / MINUTE) : null;
        note.textContent = before !== null && before <= 60 ? fill(d.msgBefore, before) : agreedNote;
        return;
      }
      var left = start + length - now;
      display.textContent = (left < 0 ? "+" : "") + clock(left);
      display.classList.toggle("text-danger", left < 0);
      display.classList.toggle("text-warning-emphasis", left >= 0 && left < 2 * MINUTE);
      if (left >= MINUTE) message = fill(d.msgLeft, Math.ceil(left / MINUTE));
      else if (left > 0) message = d.msgLast;
      else if (left > -MINUTE) message = d.msgUp;
      else message = fill(d.msgOver, Math.floor(-left / MINUTE));
      note.textContent = message;
      // Speak when the minute changes, and never more than once a minute.
      if (message !== lastSpoken && now - lastSpokenAt >= MINUTE) {
        announce.textContent = message;
        lastSpoken = message;
        lastSpokenAt = now;
      }
    }

    button.hidden = false;
    if (manual) button.textContent = d.msgRestart;
    button.addEventListener("click", function () {
      manual = Date.now();
      store(key, String(manual));
      button.textContent = d.msgRestart;
      lastSpokenAt = 0;
      tick();
    });
    tick();
    window.setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("meeting-timer");
    if (box) setUpTimer(box);

    var notes = document.getElementById("quick-notes");
    var status = document.getElementById("quick-notes-status");
    function offline(evt) {
      if (notes && status && evt.detail && evt.detail.elt === notes) {
        status.textContent = notes.dataset.errorText;
        status.className = "small text-danger";
      }
    }
    document.addEventListener("htmx:sendError", offline);
    document.addEventListener("htmx:responseError", offline);
    document.addEventListener("htmx:afterSwap", function (evt) {
      if (status && evt.detail.target === status) status.className = "small";
    });

    // Whatever was typed in the last second goes with the "Meeting held" button.
    var held = document.getElementById("meeting-held-form");
    var copy = document.getElementById("meeting-held-notes");
    if (held && copy && notes) {
      held.addEventListener("submit", function () {
        copy.value = notes.value;
        copy.disabled = false;
      });
    }
  });
})();
