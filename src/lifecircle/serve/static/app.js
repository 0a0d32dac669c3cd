// The workspace page: overview, map with live what-if, project list, accounts. Every value from the server is put
// into the page as text (textContent), never as HTML.
"use strict";
(function () {
  const T = {
    title: ["15分钟社区生活圈工作台", "15-minute life circle workspace"], overview: ["总览", "Overview"],
    map: ["地图与情景", "Map & what-if"], projects: ["项目清单", "Project list"], admin: ["账户与审计", "Accounts & audit"],
    logout: ["退出", "Sign out"], targets: ["指标与目标", "Indicators and targets"], history: ["指标历史", "History"],
    units: ["各责任单位", "Responsible units"], late: ["逾期项目", "Late projects"],
    areas: ["各片区（最新一期）", "Sub-areas (latest run)"], run: ["评估结果", "Run"], category: ["设施类别", "Category"],
    whatif: ["情景推演", "What-if"], tool_view: ["浏览", "Look"], tool_add: ["新增设施", "Add a facility"],
    tool_move: ["移动设施", "Move a facility"], tool_remove: ["撤除设施", "Remove a facility"],
    tool_link: ["新建连廊/梯道/电梯", "Draw a footbridge / stairs / elevator"], clear: ["清空", "Clear"],
    save: ["保存情景", "Save plan"], saved: ["已保存情景", "Saved plans"], compare: ["比较所选两个", "Compare the two selected"],
    unit: ["责任单位", "Responsible unit"], status: ["状态", "Status"], due_before: ["计划完成不晚于", "Due by"],
    late_only: ["只看逾期", "Late only"], export: ["导出 XLSX", "Export XLSX"], import: ["导入清单", "Import list"],
    unit_table: ["各单位完成情况与覆盖提升", "Per unit: projects and the coverage they delivered"],
    accounts: ["账户", "Accounts"], add_user: ["添加账户", "Add account"], audit: ["审计日志", "Audit log"],
    indicator: ["指标", "Indicator"], area: ["片区", "Area"], target: ["目标", "Target"], value: ["现值", "Value"],
    state: ["状态", "State"], due: ["期限", "Due"], before: ["现状", "Before"], after: ["情景", "After"],
    change: ["变化", "Change"], name: ["名称", "Name"], id: ["编号", "Id"], planned: ["计划完成", "Planned"],
    actual: ["实际完成", "Completed"], version: ["版本", "Version"], edit: ["保存", "Save"],
    computing: ["正在计算…", "Computing…"], homes_changed: ["户步行时间改变", "homes' walking time changed"],
    conflict: ["冲突", "Conflict"], done: ["已完成", "Done"], late_n: ["逾期", "Late"], projects_n: ["项目", "Projects"],
    gain: ["覆盖提升", "Coverage gain"], user: ["用户", "User"], role: ["角色", "Role"], active: ["启用", "Active"],
    when: ["时间", "When"], action: ["操作", "Action"], object: ["对象", "Object"], saved_ok: ["已保存", "Saved"],
    ms: ["毫秒", "ms"], select: ["选", "Pick"], days_late: ["逾期天数", "Days late"], location: ["位置", "Location"],
  };
  let lang = localStorage.getItem("lifecircle-lang") || "zh";
  const t = (k) => (T[k] ? T[k][lang === "zh" ? 0 : 1] : k);
  let me = null, runKey = null, mapData = null, category = null, plan = {add: [], move: [], remove: [], links: []};
  let lmap = null, layers = {}, pendingMove = null, pendingLink = null, lastAnswer = null, overviewData = null;
  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function say(text, error) { const m = $("message"); m.textContent = text || ""; m.className = "message" + (error ? " error" : ""); }

  async function api(method, url, body, raw) {
    const opts = {method, credentials: "same-origin", headers: {}};
    if (method !== "GET") opts.headers["X-CSRF-Token"] = me ? me.csrf : "";
    if (raw !== undefined) { opts.body = raw; opts.headers["Content-Type"] = "application/octet-stream"; }
    else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
    const res = await fetch(url, opts);
    if (res.status === 401) { window.location.assign("/login"); throw new Error("signed out"); }
    const data = await res.json().catch(() => ({}));
    if (!res.ok) { const err = new Error(data.error || res.statusText); err.status = res.status; err.data = data; throw err; }
    return data;
  }

  // a share (0–1) shows as a percentage: the unit decides when given, else a value in 0..1 of an indicator with a
  // threshold kind (a coverage rate) is one (the rule of the committee report, lifecircle.report.tables.is_share)
  const SHARE_UNITS = new Set(["share", "ratio", "rate", "fraction", "proportion", "%", "percent", "1"]);
  function fmt(v, unit, kind) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    if (typeof v !== "number") return String(v);
    const share = unit ? SHARE_UNITS.has(String(unit).trim().toLowerCase()) : (!!kind && v >= -1 && v <= 1);
    if (share) return (v * 100).toFixed(1) + "%";
    return v.toLocaleString(undefined, {maximumFractionDigits: 3});
  }
  const iname = (r) => (lang === "zh" ? r.name_zh : r.name_en) || r.indicator;

  function table(id, headers, rows, rowClass) {
    const tb = $(id); tb.replaceChildren();
    const tr = el("tr"); headers.forEach((h) => tr.appendChild(el("th", t(h)))); tb.appendChild(tr);
    rows.forEach((r, i) => {
      const row = el("tr"); if (rowClass) row.className = rowClass(i) || "";
      r.forEach((c) => { if (c instanceof Node) { const td = el("td"); td.appendChild(c); row.appendChild(td); }
                         else row.appendChild(el("td", c, typeof c === "number" || /^[-+]?[0-9.,]+%?$/.test(String(c)) ? "num" : "")); });
      tb.appendChild(row);
    });
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = t(e.dataset.i18n); });
    $("lang").textContent = lang === "zh" ? "English" : "中文";
  }

  // ---------------------------------------------------------------- overview
  function drawChart(series) {
    const W = 260, H = 120, P = 24, svgNS = "http://www.w3.org/2000/svg";
    const fig = el("figure", null, "chart"); const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("width", W); svg.setAttribute("height", H);
    const vals = series.points.map((p) => p.value).filter((v) => v !== null);
    const lo = Math.min(0, ...vals), hi = Math.max(1e-9, ...vals);
    const x = (i) => P + (series.points.length > 1 ? i * (W - 2 * P) / (series.points.length - 1) : (W - 2 * P) / 2);
    const y = (v) => H - P - (v - lo) / (hi - lo || 1) * (H - 2 * P);
    const path = document.createElementNS(svgNS, "polyline");
    path.setAttribute("points", series.points.map((p, i) => `${x(i)},${y(p.value || 0)}`).join(" "));
    path.setAttribute("fill", "none"); path.setAttribute("stroke", "#1f4e79"); path.setAttribute("stroke-width", "2");
    svg.appendChild(path);
    series.points.forEach((p, i) => {
      const c = document.createElementNS(svgNS, "circle"); c.setAttribute("cx", x(i)); c.setAttribute("cy", y(p.value || 0));
      c.setAttribute("r", 3); c.setAttribute("fill", "#1f4e79"); svg.appendChild(c);
      const lab = document.createElementNS(svgNS, "text"); lab.setAttribute("x", x(i)); lab.setAttribute("y", H - 6);
      lab.setAttribute("font-size", "9"); lab.setAttribute("text-anchor", "middle"); lab.textContent = p.date; svg.appendChild(lab);
      const v = document.createElementNS(svgNS, "text"); v.setAttribute("x", x(i)); v.setAttribute("y", y(p.value || 0) - 5);
      v.setAttribute("font-size", "9"); v.setAttribute("text-anchor", "middle"); v.textContent = fmt(p.value, series.unit, series.kind); svg.appendChild(v);
    });
    fig.appendChild(svg); fig.appendChild(el("figcaption", series.title)); return fig;
  }

  function renderOverview() {
    const d = overviewData; if (!d) return;
    table("targets-table", ["indicator", "area", "due", "target", "value", "state"], d.targets.map((r) => [
      iname(r) + " (" + r.profile + ")", r.area, r.period, fmt(r.target, r.unit), fmt(r.value, r.unit), el("span", r.state, "state-" + r.state)]));
    const charts = $("history-charts"); charts.replaceChildren();
    const by = {};
    d.history.forEach((r) => { const k = r.profile + "|" + r.indicator; (by[k] = by[k] || {title: iname(r) + " · " + r.profile, unit: r.unit, kind: r.threshold_kind, points: []}).points.push({date: r.data_date, value: r.value}); });
    const wanted = new Set(d.targets.map((r) => r.profile + "|" + r.indicator));
    Object.keys(by).filter((k) => wanted.size === 0 || wanted.has(k)).slice(0, 12).forEach((k) => charts.appendChild(drawChart(by[k])));
    table("units-table", ["unit", "projects_n", "done", "late_n"], d.units.map((u) => [u.responsible_unit, u.projects, u.done, u.late]),
          (i) => (d.units[i].late > 0 ? "late" : ""));
    table("late-table", ["id", "name", "unit", "planned", "days_late"], d.late.map((p) => [p.project_id, p.name, p.responsible_unit, p.planned_completion, p.days_late]), () => "late");
    // one row per sub-area, one column per indicator that has a target (else the first four indicators)
    const keyOf = (r) => r.profile + "|" + r.indicator;
    let cols = [...new Set(d.areas.map(keyOf))];
    if (wanted.size) cols = cols.filter((k) => wanted.has(k));
    cols = cols.slice(0, wanted.size ? 12 : 4);
    const first = {}, values = {};
    d.areas.forEach((r) => { const k = keyOf(r); if (!cols.includes(k)) return; first[k] = first[k] || r; (values[r.area] = values[r.area] || {})[k] = r; });
    const areaRows = Object.keys(values).sort().map((a) => [a, ...cols.map((k) => (values[a][k] ? fmt(values[a][k].value, values[a][k].unit, values[a][k].threshold_kind) : "–"))]);
    table("areas-table", ["area", ...cols.map((k) => iname(first[k]))], areaRows);
  }

  async function loadOverview() { overviewData = await api("GET", "/api/overview"); renderOverview(); }

  // ---------------------------------------------------------------- map
  function decode(d) { const out = new Array(d.length); let v = 0; for (let i = 0; i < d.length; i++) { v += d[i]; out[i] = v / 1e5; } return out; }
  function timeColor(s) {
    const c = mapData.classes; if (s === null || s < 0) return c.unreachable;
    for (let i = 0; i < c.limits_s.length; i++) if (s <= c.limits_s[i]) return c.colors[i];
    return c.colors[c.colors.length - 1];
  }

  async function loadMap() {
    if (!runKey) return;
    mapData = await api("GET", `/api/runs/${encodeURIComponent(runKey)}/map`);
    const sel = $("category-select"); sel.replaceChildren();
    mapData.categories.forEach((c) => { const o = el("option", (lang === "zh" ? c.zh : c.en) + " (" + c.n_facilities + ")"); o.value = c.id; sel.appendChild(o); });
    // keep the chosen category; else open on the first one that has facilities (a category without any is all grey)
    const first = mapData.categories.find((c) => c.n_facilities > 0) || mapData.categories[0] || {};
    category = category && mapData.categories.some((c) => c.id === category) ? category : first.id;
    sel.value = category;
    if (!lmap) {
      lmap = L.map("map", {preferCanvas: true, attributionControl: true});
      lmap.on("click", onMapClick);
    }
    Object.values(layers).forEach((l) => lmap.removeLayer(l)); layers = {};
    const net = L.layerGroup();
    mapData.network.lines.forEach((line) => {
      let x = 0, y = 0; const pts = [];
      for (let i = 0; i < line.length; i += 2) { x += line[i]; y += line[i + 1]; pts.push([y / 1e5, x / 1e5]); }
      net.addLayer(L.polyline(pts, {color: "#b8bcc4", weight: 1, interactive: false}));
    });
    layers.network = net.addTo(lmap);
    if (mapData.areas) layers.areas = L.geoJSON(mapData.areas, {style: {color: "#6b7a8f", weight: 1, fill: false, dashArray: "3"}}).addTo(lmap);
    if (mapData.attribution) lmap.attributionControl.addAttribution(mapData.attribution);
    lmap.fitBounds(mapData.bounds);
    drawCategory();
    drawProjects();
  }

  function drawCategory() {
    ["homes", "facilities", "gaps", "changed"].forEach((k) => { if (layers[k]) { lmap.removeLayer(layers[k]); delete layers[k]; } });
    const h = mapData.homes, xs = decode(h.x), ys = decode(h.y), ts = h.t[category] || [];
    const homes = L.layerGroup();
    for (let i = 0; i < h.n; i++) homes.addLayer(L.circleMarker([ys[i], xs[i]], {radius: 2.5, stroke: false, fillOpacity: 0.8, fillColor: timeColor(ts[i]), interactive: false}));
    layers.homes = homes.addTo(lmap);
    if (mapData.gaps) layers.gaps = L.geoJSON(mapData.gaps, {filter: (f) => !f.properties.categories.length || f.properties.categories.includes(category),
      style: {color: "#b00020", weight: 1, fillOpacity: 0.12}}).addTo(lmap);
    const f = mapData.facilities[category] || {x: [], y: [], name: []};
    const fx = decode(f.x), fy = decode(f.y), fac = L.layerGroup();
    const ids = (mapData.facility_ids || {})[category] || [];
    for (let i = 0; i < fx.length; i++) {
      const m = L.circleMarker([fy[i], fx[i]], {radius: 6, color: "#fff", weight: 1.5, fillColor: "#1f4e79", fillOpacity: 1});
      m.bindTooltip(String(f.name[i] || ids[i] || ""));
      m.on("click", (ev) => { L.DomEvent.stopPropagation(ev); onFacilityClick(ids[i], ev.latlng); });
      fac.addLayer(m);
    }
    layers.facilities = fac.addTo(lmap);
    const lg = $("legend"); lg.replaceChildren();
    const c = mapData.classes; ["≤5", "≤10", "≤15", ">15"].forEach((lab, i) => { const s = el("span"); s.style.background = c.colors[i]; lg.appendChild(s); lg.appendChild(document.createTextNode(lab + " min")); });
    if (lastAnswer) drawChanged(lastAnswer);
  }

  async function drawProjects() {
    if (layers.projects) lmap.removeLayer(layers.projects);
    const rows = await api("GET", "/api/projects");
    const colors = {late: "#b00020", done: "#1b7f3b", done_late: "#6a9f3b", in_progress: "#e08a00", not_due: "#7a7a7a", cancelled: "#bbbbbb"};
    const g = L.layerGroup();
    rows.filter((p) => p.lon !== null).forEach((p) => {
      const m = L.circleMarker([p.lat, p.lon], {radius: 7, color: colors[p.state] || "#333", weight: 3, fill: false});
      m.bindTooltip(p.project_id + " · " + p.name + " · " + p.state, {sticky: true}); g.addLayer(m);
    });
    layers.projects = g.addTo(lmap);
  }

  function tool() { return document.querySelector('input[name="tool"]:checked').value; }

  function onFacilityClick(id, latlng) {
    if (!id) return;
    if (tool() === "remove") { plan.remove.push(id); runWhatif(); }
    else if (tool() === "move") { pendingMove = id; $("whatif-status").textContent = id + " → ?"; }
  }

  function onMapClick(ev) {
    const p = {lon: +ev.latlng.lng.toFixed(6), lat: +ev.latlng.lat.toFixed(6)};
    const k = tool();
    if (k === "add") { plan.add.push({category, ...p}); runWhatif(); }
    else if (k === "move" && pendingMove) { plan.move.push({id: pendingMove, ...p}); pendingMove = null; runWhatif(); }
    else if (k === "link") {
      if (!pendingLink) { pendingLink = p; $("whatif-status").textContent = "…"; }
      else { plan.links.push({kind: $("link-kind").value, from: pendingLink, to: p}); pendingLink = null; runWhatif(); }
    }
  }

  function renderPlan() {
    const box = $("plan-list"); box.replaceChildren();
    plan.add.forEach((a) => box.appendChild(el("div", "+ " + a.category + " (" + a.lon + ", " + a.lat + ")")));
    plan.move.forEach((a) => box.appendChild(el("div", "→ " + a.id + " (" + a.lon + ", " + a.lat + ")")));
    plan.remove.forEach((r) => box.appendChild(el("div", "− " + r)));
    plan.links.forEach((l) => box.appendChild(el("div", "⇢ " + l.kind)));
  }

  function drawChanged(answer) {
    if (layers.changed) lmap.removeLayer(layers.changed);
    const g = L.layerGroup(); const ch = answer.changed_homes[category];
    if (ch) for (let i = 0; i < ch.lon.length; i++) g.addLayer(L.circleMarker([ch.lat[i], ch.lon[i]], {radius: 4, color: "#000", weight: 1, fillColor: timeColor(ch.after[i]), fillOpacity: 1, interactive: false}));
    layers.changed = g.addTo(lmap);
  }

  function renderAnswer(answer) {
    const rows = answer.comparison.filter((r) => r.area === "ALL");
    table("whatif-table", ["indicator", "before", "after", "change"], rows.map((r) => [
      iname(r) + " (" + r.profile + ")", fmt(r.before, r.unit, r.threshold_kind), fmt(r.after, r.unit, r.threshold_kind),
      el("span", r.change ? (r.change > 0 ? "+" : "") + fmt(r.change, r.unit, r.threshold_kind) : "0", r.change > 0 ? "up" : (r.change < 0 ? "down" : ""))]),
      (i) => (rows[i].change ? "changed" : ""));
    const n = Object.entries(answer.changed_homes).map(([c, v]) => c + ": " + v.n).join(", ");
    $("whatif-status").textContent = (n || "0") + " " + t("homes_changed") + " · " + answer.elapsed_ms + " " + t("ms");
    drawChanged(answer);
  }

  async function runWhatif() {
    renderPlan();
    if (!plan.add.length && !plan.move.length && !plan.remove.length && !plan.links.length) {
      lastAnswer = null; $("whatif-table").replaceChildren(); $("whatif-status").textContent = ""; drawChanged({changed_homes: {}}); return;
    }
    $("whatif-status").textContent = t("computing");
    try { lastAnswer = await api("POST", `/api/runs/${encodeURIComponent(runKey)}/whatif`, plan); renderAnswer(lastAnswer); say(""); }
    catch (e) { say(e.message, true); ["add", "move", "remove", "links"].forEach((k) => { if (plan[k].length && e.status === 400) plan[k].pop(); }); renderPlan(); $("whatif-status").textContent = ""; }
  }

  async function loadSaved() {
    const items = await api("GET", "/api/scenarios");
    table("saved-table", ["select", "name", "run", "user", "", ""], items.map((s) => {
      const box = el("input"); box.type = "checkbox"; box.value = s.scenario_id; box.className = "pick";
      const csv = el("a", "comparison.csv"); csv.href = `/api/scenarios/${s.scenario_id}/comparison.csv`;
      const rep = el("a", "report.html"); rep.href = `/api/scenarios/${s.scenario_id}/report.html`;
      return [box, s.name, s.results_key, s.created_by, csv, rep];
    }));
  }

  // ---------------------------------------------------------------- projects
  let statuses = ["planned", "under_construction", "completed", "cancelled"];
  async function loadProjects() {
    const q = new URLSearchParams();
    [["unit", "f-unit"], ["status", "f-status"], ["category", "f-category"], ["due_before", "f-due"]].forEach(([k, id]) => { if ($(id).value) q.set(k, $(id).value); });
    if ($("f-late").checked) q.set("late_only", "true");
    const rows = await api("GET", "/api/projects?" + q.toString());
    if (!$("f-unit").dataset.filled) {
      const all = await api("GET", "/api/projects");
      const fill = (id, values) => { const s = $(id); [...new Set(values)].sort().forEach((v) => { const o = el("option", v); o.value = v; s.appendChild(o); }); };
      fill("f-unit", all.map((p) => p.responsible_unit)); fill("f-status", statuses); fill("f-category", all.map((p) => p.category));
      $("f-unit").dataset.filled = "1";
    }
    table("projects-table", ["id", "name", "category", "unit", "planned", "status", "actual", "location", "state", "version", ""], rows.map((p) => {
      if (!p.editable) return [p.project_id, p.name, p.category, p.responsible_unit, p.planned_completion, p.status, p.actual_completion || "", p.lon === null ? "" : p.lon.toFixed(5) + ", " + p.lat.toFixed(5), p.state, p.version, ""];
      const st = el("select"); statuses.forEach((s) => { const o = el("option", s); o.value = s; st.appendChild(o); }); st.value = p.status; st.dataset.field = "status";
      const planned = el("input"); planned.type = "date"; planned.value = p.planned_completion || ""; planned.dataset.field = "planned_completion";
      const actual = el("input"); actual.type = "date"; actual.value = p.actual_completion || ""; actual.dataset.field = "actual_completion";
      const lon = el("input"); lon.value = p.lon === null ? "" : p.lon; lon.size = 9; lon.dataset.field = "lon";
      const lat = el("input"); lat.value = p.lat === null ? "" : p.lat; lat.size = 9; lat.dataset.field = "lat";
      const loc = el("span"); loc.appendChild(lon); loc.appendChild(lat);
      const btn = el("button", t("edit")); btn.type = "button"; btn.className = "save-project"; btn.dataset.id = p.project_id;
      btn.addEventListener("click", async () => {
        const changes = {};
        [st, planned, actual, lon, lat].forEach((i) => {
          const v = i.value === "" ? null : (i.dataset.field === "lon" || i.dataset.field === "lat" ? Number(i.value) : i.value);
          const old = p[i.dataset.field] === undefined ? null : p[i.dataset.field];
          if (v !== old) changes[i.dataset.field] = v;
        });
        try { await api("PATCH", `/api/projects/${encodeURIComponent(p.project_id)}`, {version: p.version, changes}); say(t("saved_ok") + ": " + p.project_id); await loadProjects(); }
        catch (e) { say((e.status === 409 ? t("conflict") + ": " : "") + e.message, true); }
      });
      return [p.project_id, p.name, p.category, p.responsible_unit, planned, st, actual, loc, p.state, p.version, btn];
    }), (i) => (rows[i].state === "late" ? "late" : ""));
    const u = await api("GET", "/api/units");
    const gains = {}; u.gains.forEach((g) => { if (g.profile === "cn-health-check") (gains[g.responsible_unit] = gains[g.responsible_unit] || []).push(g.indicator + " " + (g.gain > 0 ? "+" : "") + fmt(g.gain, "share")); });
    table("unit-gains-table", ["unit", "projects_n", "done", "late_n", "gain"], u.units.map((r) => [r.responsible_unit, r.projects, r.done, r.late, (gains[r.responsible_unit] || []).join("; ")]),
      (i) => (u.units[i].late > 0 ? "late" : ""));
  }

  // ---------------------------------------------------------------- admin
  async function loadAdmin() {
    const users = await api("GET", "/api/users");
    table("users-table", ["user", "role", "unit", "active"], users.map((u) => [u.user_name, u.role, u.unit || "", u.active ? "✓" : "✗"]));
    const audit = await api("GET", "/api/audit?limit=200");
    table("audit-table", ["when", "user", "action", "object", "before", "after"], audit.map((a) => [a.changed_at, a.user_name, a.action, a.object_kind + " " + a.object_id, JSON.stringify(a.before), JSON.stringify(a.after)]));
  }

  // ---------------------------------------------------------------- wiring
  function show(view) {
    document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
    document.querySelectorAll(".view").forEach((v) => v.classList.toggle("hidden", v.id !== "view-" + view));
    const loaders = {overview: loadOverview, map: async () => { if (!mapData) await loadMap(); else lmap.invalidateSize(); await loadSaved(); }, projects: loadProjects, admin: loadAdmin};
    loaders[view]().catch((e) => say(e.message, true));
  }

  async function start() {
    me = await api("GET", "/api/me");
    $("who").textContent = me.user_name + " · " + me.role + (me.unit ? " · " + me.unit : "");
    document.querySelectorAll(".admin-only").forEach((e) => e.classList.toggle("hidden", me.role !== "admin"));
    document.querySelectorAll(".editor-only").forEach((e) => e.classList.toggle("hidden", me.role === "viewer"));
    applyLang();
    const runs = await api("GET", "/api/runs");
    const rs = $("run-select"); runs.forEach((r) => { const o = el("option", r.key + (r.study_area ? " · " + r.study_area : "")); o.value = r.key; rs.appendChild(o); });
    runKey = runs.length ? runs[0].key : null;
    document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
    $("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("lifecircle-lang", lang); applyLang(); renderOverview(); if (lastAnswer) renderAnswer(lastAnswer); });
    $("logout").addEventListener("click", async () => { await api("POST", "/api/logout").catch(() => null); window.location.assign("/login"); });
    rs.addEventListener("change", () => { runKey = rs.value; plan = {add: [], move: [], remove: [], links: []}; lastAnswer = null; mapData = null; loadMap(); });
    $("category-select").addEventListener("change", (e) => { category = e.target.value; drawCategory(); });
    $("plan-clear").addEventListener("click", () => { plan = {add: [], move: [], remove: [], links: []}; runWhatif(); });
    $("scenario-save").addEventListener("click", async () => {
      try { const r = await api("POST", "/api/scenarios", {name: $("scenario-name").value, run: runKey, plan}); say(t("saved_ok") + ": " + r.name); loadSaved(); }
      catch (e) { say(e.message, true); }
    });
    $("compare").addEventListener("click", async () => {
      const ids = [...document.querySelectorAll("input.pick:checked")].map((b) => b.value);
      if (ids.length !== 2) { say("2?", true); return; }
      try {
        const c = await api("GET", `/api/scenarios/compare?a=${ids[0]}&b=${ids[1]}`);
        table("compare-table", ["indicator", "before", c.a.name, c.b.name], c.rows.map((r) => [iname(r) + " (" + r.profile + ")", fmt(r.before, r.unit, r.threshold_kind), fmt(r.after_a, r.unit, r.threshold_kind), fmt(r.after_b, r.unit, r.threshold_kind)]));
      } catch (e) { say(e.message, true); }
    });
    $("filters").addEventListener("change", () => loadProjects().catch((e) => say(e.message, true)));
    $("import").addEventListener("click", async () => {
      const f = $("import-file").files[0]; if (!f) return;
      try { const r = await api("POST", "/api/projects/import?file_name=" + encodeURIComponent(f.name), undefined, await f.arrayBuffer()); say("+" + r.added + " / " + r.updated); loadProjects(); }
      catch (e) { say(e.message, true); }
    });
    $("user-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try { await api("POST", "/api/users", {user_name: $("u-name").value, role: $("u-role").value, unit: $("u-unit").value || null, password: $("u-password").value}); loadAdmin(); say(t("saved_ok")); }
      catch (e) { say(e.message, true); }
    });
    show("overview");
  }
  // for scripts driving the page (browser tests, screenshots): the map and the last what-if answer
  window.lifecircleWorkspace = {map: () => lmap, answer: () => lastAnswer, ready: () => mapData !== null};
  start().catch((e) => say(e.message, true));
})();
