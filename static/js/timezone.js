// Time zone pickers (<select data-tz-picker>, accounts/forms.py TimeZoneField).
// Progressive enhancement: without JavaScript the grouped list works as it is.
// With it, a search box above the list hides the zones that do not match, and a
// picker marked data-tz-detect starts on the browser's own zone when it is offered.
(function () {
  "use strict";
  function normal(text) {
    return text.toLowerCase().replace(/[_/]+/g, " ").replace(/\s+/g, " ").trim();
  }
  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }
  function enhance(select) {
    if (select.dataset.tzReady) return;
    select.dataset.tzReady = "1";
    if (select.hasAttribute("data-tz-detect")) {
      var zone = browserZone();
      var aliases = {};
      try { aliases = JSON.parse(select.dataset.tzAliases || "{}"); } catch (e) { aliases = {}; }
      if (aliases[zone]) zone = aliases[zone];
      var option = zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]');
      if (option) select.value = zone;
    }
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm mb-1";
    search.id = select.id + "-search";
    search.placeholder = select.dataset.tzSearchLabel;
    search.setAttribute("aria-label", select.dataset.tzSearchLabel);
    search.setAttribute("aria-controls", select.id);
    search.autocomplete = "off";
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    select.parentNode.insertBefore(search, select);
    select.parentNode.insertBefore(status, select.nextSibling);
    search.addEventListener("input", function () {
      var words = normal(search.value).split(" ").filter(Boolean);
      var shown = 0;
      var first = null;
      var seen = {};
      Array.prototype.forEach.call(select.options, function (option) {
        var text = normal(option.value + " " + option.textContent);
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        if (match && !seen[option.value]) {
          seen[option.value] = true;
          shown += 1;
          if (!first) first = option;
        }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      var current = select.options[select.selectedIndex];
      if (first && (!current || current.hidden)) select.value = first.value;
      status.textContent = shown === 1
        ? select.dataset.tzCountOne
        : select.dataset.tzCount.replace("%(n)s", shown);
    });
  }
  function enhanceAll(root) {
    Array.prototype.forEach.call(
      (root || document).querySelectorAll("select[data-tz-picker]"),
      enhance
    );
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhanceAll(); });
  } else {
    enhanceAll();
  }
  document.addEventListener("htmx:afterSwap", function (event) { enhanceAll(event.target); });
})();
