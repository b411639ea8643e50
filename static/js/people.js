// The People page: "Select all on this page" ticks or clears every row's box, and
// follows the rows (ticked by hand, it shows mixed). Without JavaScript the box
// stays hidden and each row is ticked by hand.
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  if (!all) return;
  var form = document.getElementById(all.getAttribute("form"));
  function boxes() {
    return form ? form.querySelectorAll('input[type="checkbox"][name="members"]') : [];
  }
  function sync() {
    var list = boxes();
    var ticked = 0;
    list.forEach(function (box) { if (box.checked) ticked += 1; });
    all.checked = list.length > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
  }
  all.closest("[data-select-all-wrap]").hidden = false;
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
    all.indeterminate = false;
  });
  if (form) form.addEventListener("change", function (event) {
    if (event.target.name === "members") sync();
  });
  // The advisor matters only when assigning or removing an advisor.
  var action = document.getElementById("id_action");
  var advisor = document.querySelector("[data-advisor-wrap]");
  function showAdvisor() {
    if (!action || !advisor) return;
    advisor.hidden = action.value === "deactivate" || action.value === "reactivate";
  }
  if (action) action.addEventListener("change", showAdvisor);
  showAdvisor();
  sync();
})();
