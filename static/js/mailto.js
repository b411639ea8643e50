// A mailto: link whose body follows a textarea: <a href="mailto:…?subject=…&body=…"
// data-mailto-source="textarea-id">. The server writes the drafted text into the
// href, so the link works without JavaScript; this keeps later edits in it too.
(function () {
  "use strict";
  function follow(link) {
    var source = document.getElementById(link.dataset.mailtoSource);
    if (!source) return;
    function update() {
      var href = link.getAttribute("href");
      var body = "body=" + encodeURIComponent(source.value);
      // Every part of the href is percent-encoded, so "&" only ever separates fields.
      link.setAttribute(
        "href",
        /[?&]body=[^&]*/.test(href)
          ? href.replace(/([?&])body=[^&]*/, function (_match, sep) { return sep + body; })
          : href + (href.indexOf("?") === -1 ? "?" : "&") + body
      );
    }
    source.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("[data-mailto-source]").forEach(follow);
})();
