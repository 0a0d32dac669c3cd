/* lifecircle report: the interactive map and the language switch.
 * Data: the JSON in <script id="lc-data"> (see lifecircle/report/build.py map_data and mapdata.py).
 * Coordinates are integers of 1e-5 degree, delta-encoded; walking times are whole seconds, -1 = unreachable. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("lc-data").textContent);
  var S = DATA.strings;
  var root = document.documentElement;
  var lang = root.getAttribute("data-lang") || "zh";
  var SCALE = 1e5;
  var CLS = DATA.classes;

  function tr(key) { var s = S[key]; return s ? s[lang] : key; }
  function nameOf(o) { return lang === "zh" ? o.zh : o.en; }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmtInt(x) { return Math.round(x).toLocaleString("en-US"); }
  function fmtMin(s) { return s < 0 ? tr("bin_unreachable") : (s / 60).toFixed(1) + " " + tr("minutes"); }
  function cumsum(deltas) {
    var out = new Float64Array(deltas.length), acc = 0;
    for (var i = 0; i < deltas.length; i++) { acc += deltas[i]; out[i] = acc / SCALE; }
    return out;
  }
  function decodeLine(d) {
    var pts = [], x = 0, y = 0;
    for (var i = 0; i + 1 < d.length; i += 2) { x += d[i]; y += d[i + 1]; pts.push([y / SCALE, x / SCALE]); }
    return pts;
  }
  function classOf(t) {
    if (t < 0) return -1;
    for (var k = 0; k < CLS.limits_s.length; k++) if (t <= CLS.limits_s[k]) return k;
    return CLS.limits_s.length;
  }
  function colorOf(c) { return c < 0 ? CLS.unreachable : CLS.colors[c]; }

  /* ---------- map: one Leaflet pane per layer, stacked by z-index, each with its own renderer:
     sub-areas < gaps < walking network < homes < facilities < proposed new sites, whatever order layers are
     switched on in. Above Leaflet's overlay pane (400), below its marker, tooltip and popup panes (600+). ---------- */
  var PANES = [["lc-areas", 410], ["lc-gaps", 420], ["lc-network", 430], ["lc-homes", 440], ["lc-facilities", 450],
               ["lc-plan", 460]];
  var LEGEND_WIDTH_PX = 240;  /* the map opens with the data left of the legend (bottom right) */
  var map = L.map("map", { preferCanvas: true, zoomSnap: 0.25, zoomDelta: 0.5, attributionControl: true });
  var b = DATA.bounds;  /* the view is set before any layer is drawn */
  if (b[0][0] === b[1][0] && b[0][1] === b[1][1]) map.setView(b[0], 16);
  else map.fitBounds(b, { paddingTopLeft: [16, 16], paddingBottomRight: [LEGEND_WIDTH_PX, 16] });
  /* Homes (up to tens of thousands of dots) are drawn on a canvas, every other layer as SVG (crisp on paper);
     for printing, the canvas is swapped for a picture of it (canvasesToImages below). */
  var CANVAS_PANES = ["lc-homes"];
  var renderers = {};
  PANES.forEach(function (pz) {
    map.createPane(pz[0]).style.zIndex = String(pz[1]);
    renderers[pz[0]] = CANVAS_PANES.indexOf(pz[0]) >= 0 ? L.canvas({ pane: pz[0], padding: 0.3 })
      : L.svg({ pane: pz[0], padding: 0.3 });
  });
  var rAreas = renderers["lc-areas"], rGaps = renderers["lc-gaps"], rNet = renderers["lc-network"],
      rHomes = renderers["lc-homes"], rFac = renderers["lc-facilities"], rPlan = renderers["lc-plan"];
  map.attributionControl.setPrefix("Leaflet");
  if (DATA.attribution) map.attributionControl.addAttribution(esc(DATA.attribution));
  L.control.scale({ imperial: false, maxWidth: 180 }).addTo(map);

  var networkLines = DATA.network.lines.map(decodeLine);
  var networkLayer = L.polyline(networkLines, {
    renderer: rNet, color: "#6b7480", weight: 0.9, opacity: 0.5, interactive: false, smoothFactor: 1
  });

  /* ---------- homes ---------- */
  var H = DATA.homes, hx = cumsum(H.x), hy = cumsum(H.y);
  var homesLayer = L.featureGroup();
  var homeMarkers = new Array(H.n);
  var radius = H.n > 20000 ? 2.2 : (H.n > 4000 ? 3 : 4.5);
  for (var i = 0; i < H.n; i++) {
    var m = L.circleMarker([hy[i], hx[i]], {
      renderer: rHomes, radius: radius, weight: 0.6, color: "#26313d", opacity: 0.65, fillOpacity: 0.95, fillColor: "#999"
    });
    m.lcIndex = i;
    homeMarkers[i] = m;
    homesLayer.addLayer(m);
  }
  var categorySelect = document.getElementById("category-select");
  var currentCat = categorySelect ? categorySelect.value : (DATA.categories[0] || {}).id;
  /* With a plan (lifecircle plan), the map opens on the first planned category so its new sites show. */
  var PLANS = DATA.plans || [];
  if (PLANS.length && PLANS[0].category && categorySelect) {
    for (var pc = 0; pc < categorySelect.options.length; pc++) {
      if (categorySelect.options[pc].value === PLANS[0].category) { categorySelect.value = PLANS[0].category; currentCat = PLANS[0].category; }
    }
  }

  function category(id) {
    for (var k = 0; k < DATA.categories.length; k++) if (DATA.categories[k].id === id) return DATA.categories[k];
    return { id: id, zh: id, en: id, n_facilities: 0 };
  }

  function recolourHomes() {
    var t = H.t[currentCat] || [];
    for (var i = 0; i < H.n; i++) homeMarkers[i].setStyle({ fillColor: colorOf(classOf(t[i])) });
  }

  homesLayer.on("click", function (e) {
    var i = e.layer.lcIndex, t = (H.t[currentCat] || [])[i];
    var html = "<b>" + esc(tr("home")) + "</b> " + esc(H.id[i]) +
      "<br>" + esc(tr("population")) + ": " + esc(H.pop[i]) + " " + esc(tr("people")) +
      "<br>" + esc(tr("walk_time")) + " → " + esc(nameOf(category(currentCat))) + ": <b>" + esc(fmtMin(t)) + "</b>";
    L.popup().setLatLng(e.latlng).setContent(html).openOn(map);
  });

  /* ---------- facilities of the selected category ---------- */
  var facilitiesLayer = L.featureGroup();
  var facilityCount = 0;
  function drawFacilities() {
    facilitiesLayer.clearLayers();
    var F = DATA.facilities[currentCat];
    facilityCount = 0;
    if (!F) return;
    var fx = cumsum(F.x), fy = cumsum(F.y);
    for (var i = 0; i < fx.length; i++) {
      var m = L.circleMarker([fy[i], fx[i]], {
        renderer: rFac, radius: 6.5, weight: 2.8, color: "#111827", fillColor: "#ffffff", fillOpacity: 1
      });
      var label = (F.name[i] ? esc(F.name[i]) + "<br>" : "") + esc(nameOf(category(currentCat))) +
        (F.capacity[i] !== null && F.capacity[i] !== undefined ? "<br>" + esc(tr("capacity")) + ": " + esc(F.capacity[i]) : "");
      m.bindTooltip(label, { direction: "top", offset: [0, -6] });
      facilitiesLayer.addLayer(m);
      facilityCount++;
    }
  }

  /* ---------- proposed new sites of the selected category (lifecircle plan) ---------- */
  var planLayer = PLANS.length ? L.featureGroup() : null;
  var planCount = 0;
  function drawPlan() {
    if (!planLayer) return;
    planLayer.clearLayers();
    planCount = 0;
    PLANS.forEach(function (p) {
      if (p.category && p.category !== currentCat) return;
      p.sites.forEach(function (s) {
        var m = L.circleMarker([s.lat, s.lon], {
          renderer: rPlan, radius: 8, weight: 3, color: "#111827", fillColor: "#1a9850", fillOpacity: 1
        });
        m.bindTooltip(esc(tr("plan_site")) + " " + esc(s.order) + " · " + esc(nameOf(s) || s.id) +
          (s.people !== null ? "<br>" + esc(tr("plan_newly")) + ": " + esc(fmtInt(s.people)) + " " + esc(tr("people")) : ""),
          { direction: "top", offset: [0, -8] });
        planLayer.addLayer(m);
        planCount++;
      });
    });
  }

  /* ---------- sub-areas (choropleth) and gaps ---------- */
  var AREA_COLORS = ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"]; /* ColorBrewer Purples, 5 classes */
  var areaSelect = document.getElementById("area-indicator-select");
  var currentAreaKey = areaSelect ? (areaSelect.value || null) : null;
  var areaRange = [0, 1];
  function areaIndicator(key) {
    for (var k = 0; k < DATA.area_indicators.length; k++) if (DATA.area_indicators[k].key === key) return DATA.area_indicators[k];
    return null;
  }
  function updateAreaRange() {
    var ai = areaIndicator(currentAreaKey);
    if (!ai || ai.share || !DATA.areas) { areaRange = [0, 1]; return; }
    var lo = Infinity, hi = -Infinity;
    DATA.areas.features.forEach(function (f) {
      var v = f.properties.v[currentAreaKey];
      if (v !== null && v !== undefined) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    });
    areaRange = isFinite(lo) ? [lo, hi > lo ? hi : lo + 1] : [0, 1];
  }
  function areaColor(v) {
    if (v === null || v === undefined) return null;
    var f = (v - areaRange[0]) / (areaRange[1] - areaRange[0]);
    return AREA_COLORS[Math.max(0, Math.min(AREA_COLORS.length - 1, Math.floor(f * AREA_COLORS.length)))];
  }
  function fmtAreaValue(f) {
    /* the text the sub-area table shows (formatted in Python, so both read the same) */
    var t = f.properties.t[currentAreaKey];
    return t === undefined || t === "—" ? tr("no_value") : t;
  }
  var areasLayer = null;
  if (DATA.areas) {
    areasLayer = L.geoJSON(DATA.areas, {
      renderer: rAreas,
      style: function (f) {
        var c = currentAreaKey ? areaColor(f.properties.v[currentAreaKey]) : null;
        return { color: "#4a4458", weight: 1.2, opacity: 0.8, fillColor: c || "#ffffff", fillOpacity: c ? 0.35 : 0.0 };
      },
      onEachFeature: function (f, layer) {
        layer.on("click", function (e) {
          var ai = areaIndicator(currentAreaKey);
          var html = "<b>" + esc(nameOf(f.properties)) + "</b>" +
            (ai ? "<br>" + esc(nameOf(ai)) + ": <b>" + esc(fmtAreaValue(f)) + "</b>" +
              (ai.by[lang] ? " <span class=\"denom-inline\">(" + esc(ai.by[lang]) + ")</span>" : "") : "");
          L.popup().setLatLng(e.latlng).setContent(html).openOn(map);
        });
      }
    });
  }
  var gapsLayer = null;
  var mapCategoryIds = DATA.categories.map(function (c) { return c.id; });
  function gapShown(f) {
    /* A gap belongs to the selected category when its indicator lists it; gaps of indicators that name no
       category of the map (composites, unknown) are always shown. */
    var cats = (f.properties.categories || []).filter(function (c) { return mapCategoryIds.indexOf(c) >= 0; });
    return cats.length === 0 || cats.indexOf(currentCat) >= 0;
  }
  function drawGaps() {
    if (!gapsLayer) return;
    gapsLayer.clearLayers();
    gapsLayer.addData({ type: "FeatureCollection", features: DATA.gaps.features.filter(gapShown) });
  }
  if (DATA.gaps) {
    gapsLayer = L.geoJSON(null, {
      renderer: rGaps,
      style: function () { return { color: "#7b3294", weight: 1.6, dashArray: "5 3", fillColor: "#7b3294", fillOpacity: 0.14 }; },
      onEachFeature: function (f, layer) {
        layer.on("click", function (e) {
          var p = f.properties;
          var html = "<b>" + esc(tr("gap")) + "</b><br>" + esc(nameOf(p)) +
            (p.population !== null ? "<br>" + esc(tr("population")) + ": " + esc(fmtInt(p.population)) + " " + esc(tr("people")) : "");
          L.popup().setLatLng(e.latlng).setContent(html).openOn(map);
        });
      }
    });
  }

  /* ---------- legend ---------- */
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () { this._div = L.DomUtil.create("div", "lc-legend"); L.DomEvent.disableClickPropagation(this._div); return this._div; };
  legend.addTo(map);
  function renderLegend() {
    /* shares over the denominator of the category's indicator, formatted in Python as the indicator table is */
    var LG = DATA.legend[currentCat] || { shares: [], share_of: { zh: "", en: "" }, indicator: null };
    var rows = CLS.keys.map(function (key, k) { return [CLS.colors[k], tr(key), k]; });
    rows.push([CLS.unreachable, tr("bin_unreachable"), CLS.colors.length]);
    var html = "<div class=\"lg-title\">" + esc(tr("legend_time")) + ": " + esc(nameOf(category(currentCat))) + "</div>";
    html += "<div class=\"lg-head\">" + esc(LG.share_of[lang]) + "</div>";
    rows.forEach(function (r) {
      html += "<div class=\"lg-row\"><span class=\"sw\" style=\"background:" + r[0] + "\"></span>" + esc(r[1]) +
        "<span class=\"num\">" + esc(LG.shares[r[2]] || "—") + "</span></div>";
    });
    if (LG.indicator) {
      html += "<div class=\"lg-ind\">" + esc(tr("legend_indicator")) + ": " + esc(nameOf(LG.indicator)) +
        " <b>" + esc(LG.indicator.value) + "</b> <span class=\"denom-inline\">(" + esc(LG.indicator.by[lang]) + ")</span></div>";
    }
    html += "<div class=\"lg-row\" style=\"margin-top:4px\"><span class=\"sw fac\"></span>" + esc(tr("layer_facilities")) +
      "<span class=\"num\">" + facilityCount + "</span></div>";
    if (areasLayer && map.hasLayer(areasLayer) && currentAreaKey) {
      var ai = areaIndicator(currentAreaKey);
      var lo = ai && ai.share ? "0%" : areaRange[0].toFixed(2), hi = ai && ai.share ? "100%" : areaRange[1].toFixed(2);
      /* the sub-area shading names its indicator unless it is the one stated just above */
      var same = LG.indicator && LG.indicator.key === currentAreaKey;
      html += "<div class=\"lg-title\" style=\"margin-top:6px\">" + esc(tr("legend_areas")) + (ai && !same ? ": " + esc(nameOf(ai)) : "") +
        (ai && !same && ai.by[lang] ? " <span class=\"denom-inline\">(" + esc(ai.by[lang]) + ")</span>" : "") + "</div>" +
        "<div class=\"grad\" style=\"background:linear-gradient(to right," + AREA_COLORS.join(",") + ")\"></div>" +
        "<div class=\"grad-lbl\"><span>" + lo + "</span><span>" + hi + "</span></div>";
    }
    if (planLayer && map.hasLayer(planLayer) && planCount) {
      html += "<div class=\"lg-row\"><span class=\"sw fac\" style=\"background:#1a9850\"></span>" + esc(tr("layer_plan")) +
        "<span class=\"num\">" + planCount + "</span></div>";
    }
    if (gapsLayer && map.hasLayer(gapsLayer)) {
      html += "<div class=\"lg-row\" style=\"margin-top:4px\"><span class=\"sw sq\" style=\"background:rgba(123,50,148,.2);border:1.5px dashed #7b3294\"></span>" +
        esc(tr("layer_gaps")) + "</div>";
    }
    legend._div.innerHTML = html;
  }

  /* ---------- layer control (rebuilt on language change) ---------- */
  var layerControl = null;
  function buildLayerControl() {
    if (layerControl) map.removeControl(layerControl);
    var overlays = {};
    if (areasLayer) overlays[tr("layer_areas")] = areasLayer;
    if (gapsLayer) overlays[tr("layer_gaps")] = gapsLayer;
    overlays[tr("layer_network")] = networkLayer;
    overlays[tr("layer_homes")] = homesLayer;
    overlays[tr("layer_facilities")] = facilitiesLayer;
    if (planLayer) overlays[tr("layer_plan")] = planLayer;
    layerControl = L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
  }

  /* ---------- assembling ---------- */
  if (areasLayer) { linkArea(currentCat); areasLayer.addTo(map); }
  if (gapsLayer) gapsLayer.addTo(map);
  networkLayer.addTo(map);
  homesLayer.addTo(map);
  facilitiesLayer.addTo(map);
  if (planLayer) planLayer.addTo(map);
  recolourHomes();
  drawFacilities();
  drawPlan();
  drawGaps();
  buildLayerControl();
  renderLegend();
  map.on("overlayadd overlayremove", renderLegend);

  function setCategory(id) {
    currentCat = id;
    if (categorySelect && categorySelect.value !== id) categorySelect.value = id;
    map.closePopup();
    recolourHomes();
    drawFacilities();
    drawPlan();
    drawGaps();
    linkArea(id);
    renderLegend();
  }
  if (categorySelect) categorySelect.addEventListener("change", function () { setCategory(categorySelect.value); });
  function setAreaKey(key) {
    currentAreaKey = key || null;
    if (areaSelect && areaSelect.value !== (key || "")) areaSelect.value = key || "";
    updateAreaRange();
    if (areasLayer) areasLayer.setStyle(areasLayer.options.style);
  }
  /* The sub-area shading follows the category: its indicator (DATA.links), or none when it has no per-area one. */
  function linkArea(cat) {
    var key = DATA.links[cat];
    setAreaKey(key && areaIndicator(key) ? key : null);
  }
  if (areaSelect) areaSelect.addEventListener("change", function () { setAreaKey(areaSelect.value); renderLegend(); });

  /* ---------- language switch ---------- */
  function setLang(l) {
    lang = l;
    root.setAttribute("data-lang", l);
    root.classList.remove("lang-zh", "lang-en");
    root.classList.add("lang-" + l);
    root.setAttribute("lang", l === "zh" ? "zh-CN" : "en");
    document.querySelectorAll("option[data-zh], title[data-zh]").forEach(function (el) {
      el.textContent = el.getAttribute("data-" + l);
    });
    document.querySelectorAll("[data-set-lang]").forEach(function (btn) {
      btn.classList.toggle("on", btn.getAttribute("data-set-lang") === l);
    });
    map.closePopup();
    buildLayerControl();
    renderLegend();
  }
  document.querySelectorAll("[data-set-lang]").forEach(function (btn) {
    btn.addEventListener("click", function () { setLang(btn.getAttribute("data-set-lang")); });
  });
  var printButton = document.getElementById("print-button");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
  /* Printing: open folded tables, and show the screen's extent on the paper's map. The print layout resizes the
     map; when the "print" media query starts or stops matching, the map is refitted to the last extent seen on
     screen (Leaflet redraws its layers synchronously on the moveend this fires, so the print shows them). */
  var printQuery = window.matchMedia ? window.matchMedia("print") : null;
  var screenBounds = map.getBounds();
  map.on("moveend", function () { if (!(printQuery && printQuery.matches)) screenBounds = map.getBounds(); });
  function refit(change) {
    map.invalidateSize({ pan: false });
    map.fitBounds(screenBounds, { animate: false, padding: [2, 2] });
    if (change.matches) canvasesToImages(); else imagesToCanvases();  /* the event's state: the query's may lag */
  }
  /* Chromium prints a canvas redrawn for the print layout as an opaque white image that hides the panes below;
     a PNG of it (transparent where nothing is drawn) prints as drawn. */
  function canvasesToImages() {
    imagesToCanvases();
    document.querySelectorAll("#map canvas").forEach(function (c) {
      var img = document.createElement("img");
      img.className = "lc-print-canvas";
      img.alt = "";
      img.src = c.toDataURL("image/png");
      img.style.cssText = c.style.cssText;
      img.style.position = "absolute";
      img.style.pointerEvents = "none";
      img.style.width = c.style.width || c.width + "px";
      img.style.height = c.style.height || c.height + "px";
      c.parentNode.insertBefore(img, c);
      c.style.visibility = "hidden";
    });
  }
  function imagesToCanvases() {
    document.querySelectorAll("#map img.lc-print-canvas").forEach(function (img) { img.remove(); });
    document.querySelectorAll("#map canvas").forEach(function (c) { c.style.visibility = ""; });
  }
  if (printQuery && printQuery.addEventListener) printQuery.addEventListener("change", refit);
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
  });

  /* For tests and scripting: what is drawn, and the switches. */
  window.lifecircleReport = {
    map: map,
    setLang: setLang,
    setCategory: setCategory,
    homeFill: function (i) { return homeMarkers[i].options.fillColor; },
    homeLatLng: function (i) { return homeMarkers[i].getLatLng(); },
    counts: function () {
      return {
        networkLines: networkLines.length,
        homes: homesLayer.getLayers().length,
        facilities: facilitiesLayer.getLayers().length,
        areas: areasLayer ? areasLayer.getLayers().length : 0,
        gaps: gapsLayer ? gapsLayer.getLayers().length : 0
      };
    },
    planSites: function () { return planLayer ? planLayer.getLayers().length : 0; },
    areaKey: function () { return currentAreaKey; },
    /* the map's layer panes bottom to top: [pane name, z-index, number of features drawn in it] */
    panes: function () {
      var drawn = {};
      [[areasLayer, "lc-areas"], [gapsLayer, "lc-gaps"], [networkLayer, "lc-network"], [homesLayer, "lc-homes"],
       [facilitiesLayer, "lc-facilities"], [planLayer, "lc-plan"]].forEach(function (lp) {
        var n = 0;
        if (lp[0] && map.hasLayer(lp[0])) {
          (lp[0].getLayers ? lp[0].getLayers() : [lp[0]]).forEach(function (l) { if (l._renderer && l._renderer.options.pane === lp[1]) n++; });
        }
        drawn[lp[1]] = n;
      });
      return PANES.map(function (pz) {
        return [pz[0], Number(getComputedStyle(map.getPane(pz[0])).zIndex), drawn[pz[0]]];
      }).sort(function (a, b) { return a[1] - b[1]; });
    }
  };
})();
