// The prepare and meeting pages: focus kept in place when htmx swaps a part of the
// page, failures shown in the page's alert region, and drag-and-drop ordering of the
// question list (the arrow buttons do the same without a mouse). On a failed
// reorder the page reloads so it never shows an order the server does not have.
(function () {
  "use strict";
  function csrfToken() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"];
  }

  var lastFocus = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var el = document.activeElement;
    lastFocus = el && el !== document.body ? {
      el: el,
      ids: [el.dataset.focusAfter, el.id, el.dataset.focusFallback, "questions-heading"]
    } : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (lastFocus && !(document.contains(lastFocus.el) && document.activeElement === lastFocus.el)) {
      lastFocus.ids.some(function (id) {
        var target = id && document.getElementById(id);
        if (target && !target.disabled) { target.focus(); return true; }
        return false;
      });
    }
    lastFocus = null;
    initSortable();
  });

  function showError(evt) {
    var elt = evt.detail && evt.detail.elt;
    if (elt && elt.hasAttribute("data-own-errors")) return;
    var box = document.querySelector("[data-htmx-errors]");
    if (box) box.textContent = box.dataset.htmxErrors;
  }
  document.addEventListener("htmx:responseError", showError);
  document.addEventListener("htmx:sendError", showError);
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.querySelector("[data-htmx-errors]");
    if (box) box.textContent = "";
  });

  function refreshButtons(list) {
    var items = list.querySelectorAll("li");
    items.forEach(function (li, i) {
      var up = li.querySelector("[data-move=up]"), down = li.querySelector("[data-move=down]");
      if (up) up.disabled = i === 0;
      if (down) down.disabled = i === items.length - 1;
    });
  }

  function initSortable() {
    if (typeof Sortable === "undefined") return;
    var status = document.getElementById("prep-status");
    document.querySelectorAll("ol.question-list[data-reorder-url]").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        handle: ".drag-handle", animation: 150, ghostClass: "bg-body-secondary",
        onEnd: function (evt) {
          if (evt.oldIndex === evt.newIndex) return;
          var order = Array.from(list.children).map(function (li) { return Number(li.dataset.id); });
          fetch(list.dataset.reorderUrl, {
            method: "POST",
            headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
            body: JSON.stringify({order: order}),
            credentials: "same-origin"
          }).then(function (resp) {
            if (!resp.ok) { window.location.reload(); return; }
            refreshButtons(list);
            if (status) status.textContent = list.dataset.savedText || "";
          }).catch(function () { window.location.reload(); });
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", initSortable);
})();
