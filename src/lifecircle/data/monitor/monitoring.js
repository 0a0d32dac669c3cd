/* lifecircle monitoring page: the projects map (Leaflet, vector only, no tiles) and the language switch. */
(function () {
  "use strict";
  var root = document.documentElement;
  var DATA = JSON.parse(document.getElementById("lc-monitor-data").textContent);
  var lang = root.getAttribute("data-lang") || "zh";
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  var map = null, legend = null, counts = {};
  var mapDiv = document.getElementById("map");
  if (mapDiv && DATA.bounds) {
    map = L.map("map", { preferCanvas: true, zoomSnap: 0.25, zoomDelta: 0.5 });
    var b = DATA.bounds;
    if (b[0][0] === b[1][0] && b[0][1] === b[1][1]) map.setView(b[0], 16);
    else map.fitBounds(b, { padding: [16, 16] });
    map.attributionControl.setPrefix("Leaflet");
    if (DATA.attribution) map.attributionControl.addAttribution(esc(DATA.attribution));
    L.control.scale({ imperial: false, maxWidth: 180 }).addTo(map);
    if (DATA.network) {  /* the latest run's walking network, light, beneath everything else */
      var lines = DATA.network.lines.map(function (d) {
        var pts = [], x = 0, y = 0;
        for (var i = 0; i + 1 < d.length; i += 2) { x += d[i]; y += d[i + 1]; pts.push([y / 1e5, x / 1e5]); }
        return pts;
      });
      L.polyline(lines, { color: "#8a939e", weight: 0.8, opacity: 0.55, interactive: false, smoothFactor: 1 }).addTo(map);
    }
    if (DATA.boundary) {
      L.geoJSON(DATA.boundary, { style: { color: "#1d4e89", weight: 2, fill: false, dashArray: "6 4" }, interactive: false }).addTo(map);
    }
    L.geoJSON(DATA.projects, {
      pointToLayer: function (f, latlng) {
        var s = f.properties.state;
        counts[s] = (counts[s] || 0) + 1;
        return L.circleMarker(latlng, { radius: 7, weight: 2, color: "#1f2933", fillColor: DATA.colors[s] || "#999", fillOpacity: 0.95 });
      },
      onEachFeature: function (f, layer) {
        layer.on("click", function (e) {
          var p = f.properties, st = DATA.states[p.state] || { zh: p.state, en: p.state };
          var html = "<b>" + esc(p.id) + "</b> " + esc(p.name) + "<br>" + esc(p["category_" + lang] || p.category) + " · " + esc(p.unit) +
            "<br>" + esc(st[lang]) + " · " + esc(p.planned) + (p.actual ? " → " + esc(p.actual) : "");
          L.popup().setLatLng(e.latlng).setContent(html).openOn(map);
        });
      }
    }).addTo(map);
    legend = L.control({ position: "bottomright" });
    legend.onAdd = function () { this._div = L.DomUtil.create("div", "lc-legend"); return this._div; };
    legend.addTo(map);
  }
  function renderLegend() {
    if (!legend) return;
    var html = "";
    Object.keys(DATA.colors).forEach(function (k) {
      if (!counts[k]) return;
      html += '<div class="lg-row"><span class="sw" style="background:' + DATA.colors[k] + '"></span>' +
        esc(DATA.states[k][lang]) + '<span class="num">' + counts[k] + "</span></div>";
    });
    legend._div.innerHTML = html;
  }
  renderLegend();
  function setLang(l) {
    lang = l;
    root.setAttribute("data-lang", l);
    root.classList.remove("lang-zh", "lang-en");
    root.classList.add("lang-" + l);
    root.setAttribute("lang", l === "zh" ? "zh-CN" : "en");
    document.querySelectorAll("title[data-zh]").forEach(function (el) { el.textContent = el.getAttribute("data-" + l); });
    document.querySelectorAll("[data-set-lang]").forEach(function (btn) {
      btn.classList.toggle("on", btn.getAttribute("data-set-lang") === l);
    });
    if (map) map.closePopup();
    renderLegend();
  }
  document.querySelectorAll("[data-set-lang]").forEach(function (btn) {
    btn.addEventListener("click", function () { setLang(btn.getAttribute("data-set-lang")); });
  });
  var printButton = document.getElementById("print-button");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
})();
