// A mailto: link that follows form fields: <a href="mailto:…?subject=…&body=…"
// data-mailto-source="textarea-id" data-mailto-subject="input-id">. The server writes
// the drafted text into the href, so the link works without JavaScript; this keeps
// later edits in it too. Listening on the document, not on the fields found at load,
// because htmx swaps in another template's fields on the request page.
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
  // A browser that restores field values on back/forward leaves the href behind them.
  refresh();
})();
