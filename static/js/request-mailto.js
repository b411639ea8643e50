// The request page's mailto link, beyond what mailto.js does: its subject follows the
// subject field (data-mailto-subject="input-id"), and both subject and body are
// refreshed when htmx swaps in another template's text (mailto.js listens to the
// textarea it found at load, which the swap replaces).
(function () {
  "use strict";
  function setParam(href, name, value) {
    var part = name + "=" + encodeURIComponent(value);
    var pattern = new RegExp("([?&])" + name + "=[^&]*");
    // Every part of the href is percent-encoded, so "&" only ever separates fields.
    return pattern.test(href)
      ? href.replace(pattern, function (_match, sep) { return sep + part; })
      : href + (href.indexOf("?") === -1 ? "?" : "&") + part;
  }
  function refresh() {
    document.querySelectorAll("a[data-mailto-source]").forEach(function (link) {
      var href = link.getAttribute("href");
      var body = document.getElementById(link.dataset.mailtoSource);
      var subject = document.getElementById(link.dataset.mailtoSubject || "");
      if (body) href = setParam(href, "body", body.value);
      if (subject) href = setParam(href, "subject", subject.value);
      link.setAttribute("href", href);
    });
  }
  document.addEventListener("input", refresh);
  document.addEventListener("htmx:afterSwap", refresh);
})();
