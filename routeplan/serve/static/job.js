// Live progress of a job (a plan, or plan against actual): polls its status once a second until it ends.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var states = JSON.parse(box.getAttribute("data-states"));
  function show(s) {
    document.getElementById("bar").value = s.progress;
    document.getElementById("state").textContent = states[s.state] || s.state;
    document.getElementById("stage").textContent = s.stage || "";
    document.getElementById("error").textContent = s.error || "";
    var result = document.getElementById("open-actual");
    if (result && s.state === "done") { result.hidden = false; }
    if (s.plan_id && !result) {
      var a = document.getElementById("open-plan");
      a.href = "/plans/" + encodeURIComponent(s.plan_id);
      a.hidden = false;
    }
    if (s.state !== "queued" && s.state !== "running") {
      var c = document.getElementById("cancel-form");
      if (c) { c.hidden = true; }
      return true;
    }
    return false;
  }
  function poll() {
    fetch(box.getAttribute("data-status"), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) { if (!show(s)) { setTimeout(poll, 1000); } })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
}());
