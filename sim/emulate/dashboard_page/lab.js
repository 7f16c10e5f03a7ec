// omsim emulate's dashboard: follows /omsim/ui/events (server-sent events, one state a
// second) and draws the lab's samples with uPlot (common.js, shared with omsim serve's
// dashboard).
"use strict";
(() => {
  const { $, fill } = window.omsim;
  const total = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);

  // What each chart draws: [label, value of a sample] per series.
  const CHARTS = {
    "chart-wire": () => [["edit-configs", (p) => p.editConfigs],
                         ["NETCONF rpcs", (p) => p.netconfRpcs],
                         ["RESTCONF requests", (p) => p.restconfRequests],
                         ["RESTCONF writes", (p) => p.restconfWrites],
                         ["rpc-errors", (p) => p.rpcErrors]],
    "chart-errors": () => [["all tags", (p) => total(p.rpcErrorsByTag)],
                           ...view.keysOf("rpcErrorsByTag").map((k) => [k, view.of("rpcErrorsByTag", k)])],
    "chart-pools": () => [...view.keysOf("utilisation").map((k) => [k, view.of("utilisation", k)]),
                          ["technicians", (p) => p.techniciansBusy]],
    "chart-work": () => [["NETCONF sessions", (p) => p.netconfSessions],
                         ["technicians on a visit", (p) => p.busy],
                         ["visits waiting", (p) => p.visitsWaiting]],
  };
  const view = window.omsim.charts(CHARTS);

  function show(state) {
    window.omsim.showClock(state);
    const unreachable = state.elements.unreachable;
    const health = $("health");
    health.textContent = unreachable.length ? `unreachable: ${unreachable.join(", ")}`
                                            : "all elements reachable";
    health.className = "badge " + (unreachable.length ? "bad" : "ok");
    const wire = state.wire;
    const crews = state.crews;
    const sum = (field) => crews.reduce((a, c) => a + c[field], 0);
    $("card-unreachable").textContent = `${unreachable.length} of ${state.elements.count}`;
    $("card-sessions").textContent = wire.netconfSessionsOpen;
    $("card-edit-configs").textContent = wire.editConfigs;
    $("card-restconf").textContent = wire.restconfRequests;
    $("card-rpc-errors").textContent = wire.rpcErrors;
    $("card-technicians").textContent = `${sum("busy")} of ${sum("technicians")}`;
    $("card-waiting").textContent = sum("waiting");
    $("card-appointments").textContent = state.appointments.confirmed || 0;
    fill("rpc-errors", wire.rpcErrorsByTag.map((e) => [e.tag, e.netconf, e.restconf]));
    fill("netconf-rpcs", Object.entries(wire.netconfRpcsByOperation));
    fill("restconf-requests", Object.entries(wire.restconfRequestsByMethod));
    fill("pools", Object.entries(state.pools).map(([k, p]) => [k, p.inUse, p.capacity,
      p.capacity ? (100 * p.inUse / p.capacity).toFixed(2) : "0"]));
    fill("worst-ports", state.worstPonPorts.map((p) => [p.name, p.inUse, p.capacity]));
    fill("worst-bngs", state.worstBngs.map((p) => [p.name, p.inUse, p.capacity]));
    fill("crews", crews.map((c) => [c.crew, c.technicians, c.absent, c.busy, c.waiting]));
    fill("appointments", Object.entries(state.appointments));
    fill("unreachable", unreachable.map((name) => [name]));
    const body = fill("fault-list", []);
    for (const f of state.faults) {
      const tr = document.createElement("tr");
      tr.className = f.state;
      tr.dataset.id = f.id;
      for (const v of [f.id, f.label, f.state, f.from_days.toFixed(3),
                       f.until_days == null ? "to the end" : f.until_days.toFixed(3)]) {
        window.omsim.cell(tr, v);
      }
      body.appendChild(tr);
    }
    view.add(state.points);
  }

  window.omsim.follow("/omsim/ui/events", show);
})();
