// routeplan map: filters by day, shift and unit; direction arrows; metric scale; compact controls on phones.
// DATA (inserted as a JSON literal): {map, groups: [[var, day, shift, unit], ...], html, arrow_m}
document.addEventListener('DOMContentLoaded', function () {
  var D = __DATA__;
  var map = window[D.map];
  var phone = window.innerWidth < 700;
  L.control.scale({metric: true, imperial: false, position: 'bottomright', maxWidth: 140}).addTo(map);
  // the layer list: collapsed to a button on phones
  var ctl = (typeof __LAYERS__ !== 'undefined') ? __LAYERS__ : null;  // folium declares it with let
  if (ctl && phone) {
    var items = ctl._layers.slice();
    ctl.remove();
    var c = L.control.layers(null, null, {collapsed: true, position: 'topright'});
    items.forEach(function (it) { if (it.overlay) { c.addOverlay(it.layer, it.name); } else { c.addBaseLayer(it.layer, it.name); } });
    c.addTo(map);
  }
  // direction arrows along every route line, in its group so they follow the filters
  D.groups.forEach(function (g) {
    var group = window[g[0]];
    group.eachLayer(function (l) {
      if (!(l instanceof L.Polyline) || l.options.className !== 'rp-route') { return; }
      var pts = l.getLatLngs(), run = D.arrow_m / 2;
      for (var i = 1; i < pts.length; i++) {
        var a = pts[i - 1], b = pts[i], seg = a.distanceTo(b);
        run += seg;
        if (run < D.arrow_m || seg < 15) { continue; }
        run = 0;
        var ang = Math.atan2(-(b.lat - a.lat), (b.lng - a.lng) * Math.cos(a.lat * Math.PI / 180)) * 180 / Math.PI;
        var svg = '<svg width="14" height="14" viewBox="-7 -7 14 14" style="transform:rotate(' + ang.toFixed(0) + 'deg)">' +
          '<path d="M-5,-4 L5,0 L-5,4 z" fill="' + l.options.color + '" stroke="#fff" stroke-width="1"/></svg>';
        L.marker([(a.lat + b.lat) / 2, (a.lng + b.lng) / 2], {interactive: false, keyboard: false,
          icon: L.divIcon({html: svg, className: 'rp-arrow', iconSize: [14, 14], iconAnchor: [7, 7]})}).addTo(group);
      }
    });
  });
  // the filter control
  var Filter = L.Control.extend({
    options: {position: 'topright'},
    onAdd: function () {
      var div = L.DomUtil.create('div', 'leaflet-control leaflet-bar rp-filter');
      div.innerHTML = D.html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      if (!phone) { div.querySelector('details').setAttribute('open', ''); }
      return div;
    }
  });
  var box = new Filter().addTo(map).getContainer();
  function apply() {
    var on = {};
    box.querySelectorAll('input[data-dim]').forEach(function (i) { on[i.dataset.dim + i.dataset.k] = i.checked; });
    D.groups.forEach(function (g) {
      var show = on['d' + g[1]] && on['s' + g[2]] && on['u' + g[3]];
      var layer = window[g[0]];
      if (show && !map.hasLayer(layer)) { map.addLayer(layer); }
      if (!show && map.hasLayer(layer)) { map.removeLayer(layer); }
    });
  }
  box.addEventListener('change', apply);
  box.querySelectorAll('button[data-all]').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var boxes = box.querySelectorAll('input[data-dim="' + btn.dataset.all + '"]');
      var any = Array.prototype.some.call(boxes, function (i) { return !i.checked; });
      boxes.forEach(function (i) { i.checked = any; });
      apply();
    });
  });
  apply();
  // legend and scorecard panel start folded on phones
  if (phone) {
    var lg = document.getElementById('routeplan-legend');
    if (lg && lg.tagName === 'DETAILS') { lg.removeAttribute('open'); }
  }
});
