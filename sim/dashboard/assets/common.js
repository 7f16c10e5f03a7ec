// omsim dashboards, what both pages share: uPlot charts over the history samples the
// server sends, tables, the simulated clock, and the event stream. Every chart's
// container says how many points and series it holds (data-points, data-series), for
// tests.
"use strict";
window.omsim = (() => {
  const DAY = 86400;
  const COLOURS = ["#4f81bd", "#9bbb59", "#c0504d", "#8064a2", "#f79646", "#4bacc6",
                   "#7f7f7f", "#2c4d75", "#d99694", "#77933c"];
  const $ = (id) => document.getElementById(id);

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  // Replace the body of table ``tableId`` with ``rows`` (a list of cell values each).
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

  // Charts over one list of samples (each with ``t``, simulated seconds): ``spec`` maps
  // a container's id to a function giving [label, value of a sample] per series.
  function charts(spec, maxPoints = 600) {
    const points = [];
    const drawn = {};
    const keysOf = (field) => {
      const keys = new Set();
      for (const p of points) for (const k of Object.keys(p[field] || {})) keys.add(k);
      return [...keys].sort();
    };
    const of = (field, key) => (p) => (p[field] || {})[key] ?? 0;

    function draw(id) {
      const box = $(id);
      const series = spec[id]();
      const labels = series.map((s) => s[0]).join("|");
      const data = [points.map((p) => p.t / DAY), ...series.map(([, f]) => points.map(f))];
      let chart = drawn[id];
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
        chart = drawn[id] = { labels, plot: new uPlot(opts, data, box) };
      } else {
        chart.plot.setData(data);
      }
      box.dataset.points = String(points.length);
      box.dataset.series = String(series.length);
    }

    return {
      keysOf, of,
      // New samples in: keep the last ``maxPoints``, draw every chart.
      add(more) {
        for (const p of more) points.push(p);
        points.splice(0, Math.max(0, points.length - maxPoints));
        if (points.length) for (const id of Object.keys(spec)) draw(id);
      },
    };
  }

  // The simulated clock and speed into #clock and #speed.
  function showClock(state) {
    $("clock").textContent = clock(state.simulatedSeconds);
    $("clock").dataset.seconds = String(state.simulatedSeconds);
    $("speed").textContent = `${state.speed.toLocaleString()}\u00d7`;
  }

  // Follow the server's event stream at ``url``: ``show`` each state; #health says when
  // the stream is lost (the browser reconnects by itself).
  function follow(url, show) {
    const events = new EventSource(url);
    events.addEventListener("state", (e) => show(JSON.parse(e.data)));
    events.addEventListener("error", () => {
      $("health").textContent = "reconnecting\u2026";
      $("health").className = "badge bad";
    });
    return events;
  }

  return { DAY, $, cell, fill, clock, charts, showClock, follow };
})();
