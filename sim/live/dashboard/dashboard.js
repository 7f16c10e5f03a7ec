// omsim live dashboard: follows /omsim/ui/events (server-sent events, one state a
// second), draws the history samples with uPlot (common.js, shared with omsim
// emulate's dashboard) and posts faults to /omsim/faults.
"use strict";
(() => {
  const { DAY, $, cell, fill } = window.omsim;
  let vocabulary = null;
  let latest = null;

  const total = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
  const keysOf = (field) => view.keysOf(field);
  const of = (field, key) => view.of(field, key);

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

  const view = window.omsim.charts(CHARTS);

  function show(state) {
    latest = state;
    $("scenario").textContent = state.scenario;
    window.omsim.showClock(state);
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
    view.add(state.points);
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
    window.omsim.follow("/omsim/ui/events", show);
  }

  start();
})();
