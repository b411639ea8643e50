// Drag-and-drop ranking of a target list. The arrow buttons do the same without a
// mouse; on failure the page reloads so it never shows an order the server lacks.
(function () {
  "use strict";
  function csrfToken() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"];
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Sortable === "undefined") return;
    var status = document.getElementById("reorder-status");
    document.querySelectorAll("ol.target-list[data-reorder-url]").forEach(function (list) {
      Sortable.create(list, {
        handle: ".drag-handle", animation: 150, ghostClass: "bg-body-secondary",
        onEnd: function () {
          var order = Array.from(list.children).map(function (li) { return Number(li.dataset.id); });
          fetch(list.dataset.reorderUrl, {
            method: "POST",
            headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
            body: JSON.stringify({field: list.dataset.field ? Number(list.dataset.field) : null, order: order}),
            credentials: "same-origin"
          }).then(function (resp) {
            if (!resp.ok) { window.location.reload(); return; }
            list.querySelectorAll("li").forEach(function (li, i, all) {
              var buttons = li.querySelectorAll("button");
              if (buttons.length === 2) { buttons[0].disabled = i === 0; buttons[1].disabled = i === all.length - 1; }
            });
            if (status) status.textContent = list.dataset.savedText || "Order saved";
          }).catch(function () { window.location.reload(); });
        }
      });
    });
  });
})();
