// Live status (APP-8): keeps the status of applications on the page current without a
// reload. The page works without it; it only listens to server-sent events.
(function () {
  "use strict";
  var marked = document.querySelectorAll("[data-application-id]");
  if (!marked.length || !window.EventSource) return;
  var source = new EventSource("/applications/events");
  source.addEventListener("application", function (e) {
    var data;
    try { data = JSON.parse(e.data); } catch (_) { return; }
    marked.forEach(function (el) {
      if (el.getAttribute("data-application-id") !== data.id) return;
      var names = JSON.parse(el.getAttribute("data-status-names") || "{}");
      var status = el.querySelector("[data-status]");
      if (status && names[data.status]) status.textContent = names[data.status];
      var note = el.querySelector("[data-live-note]");
      if (note) note.hidden = false;
    });
  });
})();
