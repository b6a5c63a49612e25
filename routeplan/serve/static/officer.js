// The officer's page: fill the browser's position (when the officer allows it) into a check-in form before it
// is sent; a QR poster's check-in page sends its form at once.
(function () {
  "use strict";
  function send(form) {
    var done = false;
    function go() { if (!done) { done = true; form.submit(); } }
    if (!navigator.geolocation) { go(); return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      form.elements.lat.value = String(p.coords.latitude);
      form.elements.lon.value = String(p.coords.longitude);
      go();
    }, go, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    setTimeout(go, 10000);
  }
  document.querySelectorAll("form.checkin-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var b = form.querySelector("button"); if (b) { b.disabled = true; }
      send(form);
    });
    if (form.dataset.auto === "1") { send(form); }
  });
})();
