// omsim live dashboard: follows /omsim/ui/events (server-sent events, one state a
// second), draws the history samples with uPlot and posts faults to /omsim/faults.
// Every chart's container says how many points it holds (data-points), for tests.
"use strict";
(() => {
  const DAY = 86400;
  const MAX_POINTS = 600;
  const COLOURS = ["#4f81bd", "#9bbb59", "#c0504d", "#8064a2", "#f79646", "#4bacc6",
                   "#7f7f7f", "#2c4d75", "#d99694", "#77933c"];
  const $ = (id) => document.getElementById(id);
  const points = [];
  const charts = {};
  let vocabulary = null;
  let latest = null;

  const total = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
  const keysOf = (field) => {
    const keys = new Set();
    for (const p of points) for (const k of Object.keys(p[field] || {})) keys.add(k);
    return [...keys].sort();
  };
  const of = (field, key) => (p) => (p[field] || {})[key] ?? 0;

  // What each chart draws: [label, value of a sample] per series.
  const CHARTS = {
    "chart-throughput": () => [["submitted", (p) => p.submittedPerDay],
                               ["completed", (p) => p.completedPerDay],
                               ["fallout", (p) => p.falloutPerDay]],
    "chart-states": () => keysOf("byState").map((k) => [k, of("byState", k)]),
    "chart-cause": () => [["all causes", (p) => total(p.falloutByCause)],
                          ...keysOf("falloutByCause").map((k) => [k, of("falloutByCause", k)])],
    "chart-layer": () => [["all layers", (p) => total(p.falloutByLayer)],
                          ...keysOf("falloutByLayer").map((k) => [k, of("falloutByLayer", k)])],
    "chart-cycle": () => [["p50", (p) => p.cycleHours.p50], ["p90", (p) => p.cycleHours.p90],
                          ["p99", (p) => p.cycleHours.p99]],
    "chart-pools": () => [...keysOf("utilisation").map((k) => [k, of("utilisation", k)]),
                          ["technicians", (p) => p.workforceBusy]],
    "chart-work": () => [["in flight", (p) => p.inFlight],
                         ["install backlog", (p) => p.installBacklog],
                         ["fallout queue", (p) => p.falloutQueue]],
  };

  function draw(id) {
    const box = $(id);
    const series = CHARTS[id]();
    const labels = series.map((s) => s[0]).join("|");
    const data = [points.map((p) => p.t / DAY), ...series.map(([, f]) => points.map(f))];
    let chart = charts[id];
    if (!chart || chart.labels !== labels) {
      if (chart) chart.plot.destroy();
      const opts = {
        width: Math.max(300, box.clientWidth), height: 200,
        scales: { x: { time: false } },
        axes: [{ label: "simulated day" }, {}],
        series: [{ label: "day", value: (u, v) => v == null ? "" : v.toFixed(3) },
                 ...series.map(([label], n) => ({ label, stroke: COLOURS[n % COLOURS.length],
                                                  width: 1.5, spanGaps: true }))],
      };
      chart = charts[id] = { labels, plot: new uPlot(opts, data, box) };
    } else {
      chart.plot.setData(data);
    }
    box.dataset.points = String(points.length);
    box.dataset.series = String(series.length);
  }

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function fill(tableId, rows) {
    const body = $(tableId).tBodies[0];
    body.replaceChildren();
    for (const values of rows) {
      const tr = document.createElement("tr");
      for (const v of values) cell(tr, v);
      body.appendChild(tr);
    }
    return body;
  }

  function clock(seconds) {
    const day = Math.floor(seconds / DAY);
    const rest = seconds - day * DAY;
    const hh = String(Math.floor(rest / 3600)).padStart(2, "0");
    const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, "0");
    return `day ${day}, ${hh}:${mm}`;
  }

  function show(state) {
    latest = state;
    $("scenario").textContent = state.scenario;
    $("clock").textContent = clock(state.simulatedSeconds);
    $("clock").dataset.seconds = String(state.simulatedSeconds);
    $("speed").textContent = `${state.speed.toLocaleString()}\u00d7`;
    const health = $("health");
    health.textContent = state.healthy ? (state.replaying ? "replaying" : "healthy")
                                       : `unhealthy: ${state.error}`;
    health.className = "badge " + (state.healthy ? "ok" : "bad");
    const o = state.orders;
    const by = o.byState;
    $("card-submitted").textContent = o.submitted;
    $("card-in-flight").textContent = o.inFlight;
    $("card-completed").textContent = by.completed || 0;
    $("card-failed").textContent = `${by.failed || 0} / ${by.partial || 0}`;
    $("card-p90").textContent = state.cycleHours.p90 == null ? "\u2013" : `${state.cycleHours.p90} h`;
    $("card-fallout-queue").textContent = state.falloutQueue;
    $("card-backlog").textContent = state.workforce.installBacklog;
    $("card-technicians").textContent = `${state.workforce.busy} of ${state.workforce.technicians}`;
    fill("order-states", Object.entries(by).filter(([, n]) => n));
    fill("fallout-causes", Object.entries(state.fallout.byCause));
    fill("fallout-layers", Object.entries(state.fallout.byLayer));
    fill("pools", Object.entries(state.pools).map(([k, p]) => [k, p.inUse, p.capacity,
      p.capacity ? (100 * p.inUse / p.capacity).toFixed(2) : "0"]));
    fill("worst-ports", state.worstPonPorts.map((p) => [p.name, p.inUse, p.capacity]));
    fill("worst-bngs", state.worstBngs.map((p) => [p.name, p.inUse, p.capacity]));
    fill("hub", state.hub.byListener.map((l) => [l.id, l.queued, l.delivered, l.failed, l.dropped]));
    showFaults(state.faults);
    for (const p of state.points) points.push(p);
    points.splice(0, Math.max(0, points.length - MAX_POINTS));
    if (points.length) for (const id of Object.keys(CHARTS)) draw(id);
  }

  function showFaults(faults) {
    const body = fill("fault-list", []);
    for (const f of faults) {
      const tr = document.createElement("tr");
      tr.className = f.state;
      tr.dataset.id = f.id;
      for (const v of [f.id, f.source, f.label, f.state, f.from_days.toFixed(3),
                       f.until_days == null ? "until ended" : f.until_days.toFixed(3)]) cell(tr, v);
      const actions = cell(tr, "");
      if (f.source === "api" && (f.state === "active" || f.state === "scheduled")) {
        const end = document.createElement("button");
        end.textContent = f.state === "active" ? "End now" : "Cancel";
        end.addEventListener("click", () => endFault(f.id));
        actions.appendChild(end);
      }
      body.appendChild(tr);
    }
  }

  // -- fault controls ------------------------------------------------------------------
  function fillOptions(s, options) {
    s.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
    s.selectedIndex = 0;
    return s;
  }

  function select(name, options) {
    const s = document.createElement("select");
    s.name = name;
    return fillOptions(s, options);
  }

  function input(name, value, step) {
    const i = document.createElement("input");
    Object.assign(i, { name, type: "number", value, step: step || "any", min: "0", size: 6 });
    return i;
  }

  function labelled(text, control) {
    const l = document.createElement("label");
    l.append(`${text} `, control);
    return l;
  }

  const FIELDS = {
    element_outage: (v) => [labelled("element", select("element", v.elements.map((e) => [e, e])))],
    link_cut: (v) => [labelled("link", select("link", v.links.map((l) => [l.join("|"), l.join(" \u2013 ")])))],
    pool_limit: (v) => [labelled("pool", select("pool", v.pools.map((p) => [p, p]))),
                        labelled("at", Object.assign(document.createElement("input"),
                                                     { name: "at", placeholder: "all", size: 10 })),
                        labelled("limit", input("limit", "0", "1"))],
    lost_answers: (v) => [labelled("element kind", select("element_kind", v.elementKinds.map((k) => [k, k]))),
                          labelled("rate", input("rate", "0.5"))],
    workforce_absence: (v) => [labelled("region", select("region", [["", "all"], ...v.regions.map((r) => [r, r])])),
                               labelled("technicians", input("technicians", "5", "1"))],
  };

  function showFields() {
    $("fault-fields").replaceChildren(...FIELDS[$("fault-kind").value](vocabulary));
  }

  function faultBody() {
    const body = { kind: $("fault-kind").value };
    for (const control of $("fault-fields").querySelectorAll("select, input")) {
      const value = control.value.trim();
      if (value === "") continue;
      if (control.name === "link") body.link = value.split("|");
      else if (control.type === "number") body[control.name] = Number(value);
      else body[control.name] = value;
    }
    const start = $("fault-start").value.trim();
    if (start !== "" && latest) body.from_days = latest.simulatedSeconds / DAY + Number(start) / 24;
    const hours = $("fault-hours").value.trim();
    if (hours !== "" && Number(hours) > 0) body.duration_days = Number(hours) / 24;
    return body;
  }

  function say(text, error) {
    const m = $("fault-message");
    m.textContent = text;
    m.className = error ? "error" : "";
  }

  async function send(method, url, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.message || response.statusText);
    return answer;
  }

  async function refresh() {
    const response = await fetch("/omsim/ui/state", { credentials: "same-origin" });
    if (response.ok) showFaults((await response.json()).faults);
  }

  async function inject(event) {
    event.preventDefault();
    try {
      const fault = await send("POST", "/omsim/faults", faultBody());
      await refresh();
      say(`injected ${fault.id}: ${fault.label}`, false);
    } catch (e) {
      say(e.message, true);
    }
  }

  async function endFault(id) {
    try {
      const fault = await send("DELETE", `/omsim/faults/${encodeURIComponent(id)}`);
      await refresh();
      say(`${fault.id} ended`, false);
    } catch (e) {
      say(e.message, true);
    }
  }

  async function start() {
    const response = await fetch("/omsim/ui/vocabulary", { credentials: "same-origin" });
    vocabulary = await response.json();
    const kind = $("fault-kind");
    fillOptions(kind, vocabulary.faultKinds.map((k) => [k, k]));
    kind.addEventListener("change", showFields);
    showFields();
    $("fault-form").addEventListener("submit", inject);
    const events = new EventSource("/omsim/ui/events");
    events.addEventListener("state", (e) => show(JSON.parse(e.data)));
    events.addEventListener("error", () => {
      $("health").textContent = "reconnecting\u2026";
      $("health").className = "badge bad";
    });
  }

  start();
})();
