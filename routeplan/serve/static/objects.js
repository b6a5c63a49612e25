// The layer editor (vital objects, hotspots, desa): markers to drag, polygons to select, a form for the selected
// feature's attributes, save as one GeoJSON layer.
(function () {
  "use strict";
  var box = document.getElementById("objects-map");
  if (!box) { return; }
  var url = box.getAttribute("data-layer");
  var csrf = box.getAttribute("data-csrf");
  var map = L.map(box, {preferCanvas: false});
  var state = {version: null, layer: null, markers: [], selected: null, adding: false};
  var kind = box.getAttribute("data-kind") || "vital_objects";
  var fields = (box.getAttribute("data-fields") || "id,name,category,priority,visits_per_week").split(",");
  var lists = {types: true, active_hours: true};
  var msg = document.getElementById("msg");

  function say(text, bad) { msg.textContent = text; msg.className = bad ? "error" : "ok"; }

  function select(i) {
    state.selected = i;
    var p = state.layer.features[i].properties;
    fields.forEach(function (f) {
      var el = document.getElementById("f-" + f);
      var v = p[f];
      el.value = v === undefined || v === null ? "" : (Array.isArray(v) ? v.join(", ") : v);
    });
  }

  function addMarker(i) {
    var feat = state.layer.features[i];
    var m;
    if (feat.geometry && feat.geometry.type === "Point") {
      var c = feat.geometry.coordinates;
      m = L.marker([c[1], c[0]], {draggable: true, title: String(feat.properties.name || feat.properties.desa || "")});
      m.on("dragend", function () {
        var ll = m.getLatLng();
        feat.geometry.coordinates = [Math.round(ll.lng * 1e6) / 1e6, Math.round(ll.lat * 1e6) / 1e6];
        select(i);
      });
    } else {  // a polygon keeps its shape: select it to edit its attributes or delete it
      m = L.geoJSON(feat, {style: {color: "#b3261e", weight: 2, fillOpacity: 0.2}});
    }
    m.on("click", function () { select(i); });
    m.addTo(map);
    state.markers[i] = m;
  }

  function bounds() {
    var b = L.latLngBounds([]);
    state.markers.forEach(function (m) {
      if (!m) { return; }
      if (m.getLatLng) { b.extend(m.getLatLng()); } else { b.extend(m.getBounds()); }
    });
    return b;
  }

  fields.forEach(function (f) {
    document.getElementById("f-" + f).addEventListener("change", function (ev) {
      if (state.selected === null) { return; }
      var v = ev.target.value, p = state.layer.features[state.selected].properties;
      if (v === "") { delete p[f]; } else if (lists[f]) {
        p[f] = v.split(",").map(function (x) { return x.trim(); }).filter(function (x) { return x; });
      } else { p[f] = ev.target.type === "number" ? Number(v) : v; }
      if (f === "name" && state.markers[state.selected].options) { state.markers[state.selected].options.title = v; }
    });
  });

  var add = document.getElementById("add-object");
  if (add) { add.addEventListener("click", function () { state.adding = true; }); }
  map.on("click", function (ev) {
    if (!state.adding) { return; }
    state.adding = false;
    var n = state.layer.features.length + 1;
    var props = kind === "hotspots" ? {id: "HS-NEW-" + n, name: "Titik rawan baru " + n, risk: 1}
      : {id: "VO-NEW-" + n, name: "Objek baru " + n, category: "lainnya"};
    state.layer.features.push({type: "Feature", properties: props,
      geometry: {type: "Point", coordinates: [Math.round(ev.latlng.lng * 1e6) / 1e6, Math.round(ev.latlng.lat * 1e6) / 1e6]}});
    addMarker(state.layer.features.length - 1);
    select(state.layer.features.length - 1);
  });
  document.getElementById("delete-object").addEventListener("click", function () {
    if (state.selected === null) { return; }
    map.removeLayer(state.markers[state.selected]);
    state.layer.features[state.selected] = null;
    state.markers[state.selected] = null;
    state.selected = null;
    fields.forEach(function (f) { document.getElementById("f-" + f).value = ""; });
  });
  function save() {
    var layer = JSON.parse(JSON.stringify(state.layer));
    layer.features = layer.features.filter(function (f) { return f !== null; });
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({version: state.version, layer: layer})})
      .then(function (r) { return r.json().then(function (b) { return [r.status, b]; }); })
      .then(function (res) {
        if (res[0] === 200) { state.version = res[1].version; say(box.getAttribute("data-saved"), false); }
        else { say(res[1].error || res[1].detail || String(res[0]), true); }
        return res[0];
      });
  }
  document.getElementById("save-objects").addEventListener("click", save);

  fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
    state.version = data.version;
    state.layer = data.layer;
    if (data.desa) {  // desa boundaries as the background (no tiles: the page sends no request elsewhere)
      L.geoJSON(data.desa, {interactive: false, style: {color: "#777", weight: 1, fillColor: "#dfe8d8", fillOpacity: 0.5}})
        .addTo(map);
    }
    state.layer.features.forEach(function (f, i) { if (f && f.geometry) { addMarker(i); } });
    var b = bounds();
    if (b.isValid()) { map.fitBounds(b.pad(0.1)); } else { map.setView([-2, 118], 5); }
    window.rpEditor = {state: state, map: map, save: save, select: select};
    box.setAttribute("data-ready", "1");
  });
}());
