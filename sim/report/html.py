"""The HTML report of a run directory: one self-contained page (plots embedded as PNG)
that people can open from a CI artefact or mail to a colleague.

It reads what ``omsim run --out-dir`` writes: ``summary.json`` and one JSON report per
replication. Plots average the per-day series over the replications and pool the cycle
time histograms; the table gives every metric's mean and 95 % confidence interval
(Wilson's for proportions, so that none leaves [0, 1]), grouped by section (``orders``,
``fallout``, ...), the headline figures first. Metrics that are zero in every replication
are hidden until the reader ticks "show all" (a few lines of inline script: the page
stays one file).
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.experiments.replicate import Summary, load_run_dir, metric_values  # noqa: E402
from sim.files import write_text  # noqa: E402
from sim.report.terminal import HEADLINE_METRICS  # noqa: E402

Report = dict[str, Any]


def write_report(run_dir: Path, out: Path) -> Path:
    """Render the run directory ``run_dir`` to the HTML file ``out``."""
    meta, reports = load_run_dir(run_dir)
    return write_text(out, render(meta, reports))


def render(meta: dict[str, Any], reports: Sequence[Report]) -> str:
    """The whole page as a string."""
    values = metric_values(reports)
    summary = Summary.of(values)
    figures = [
        ("Fallout by cause", "Orders of the measured cohort by root cause: mean and 95 % CI "
         "over replications.", _bars(summary, "fallout.by_cause", "orders")),
        ("Fallout by layer", "Where the first fallout of each order was raised.",
         _bars(summary, "fallout.by_layer", "orders")),
        ("Throughput and fallout per day", "Orders submitted, completed and fallen out per "
         "simulated day, mean over replications; the shaded band is the warm-up.",
         _per_day(reports)),
        ("Cycle time distribution", "Empirical CDF of order cycle time (completed orders "
         "of the measured cohort, all replications pooled).", _cycle_time_cdf(reports)),
        ("Utilisation over time", "Share of each pool in use and of technicians on a job "
         "during shift hours, per day, mean over replications.", _utilisation(reports)),
        ("Backlogs", "Installs waiting for a technician, items in the fallout work queue "
         "and product orders in the system, per day.", _backlogs(reports)),
    ]
    first = reports[0]
    title = f"omsim report: {html.escape(str(meta.get('scenario', first['scenario'])))}"
    sim = first["sim"]
    facts = (f"seed {meta.get('seed', first['seed'])} &middot; {len(reports)} replication"
             f"{'s' if len(reports) != 1 else ''} &middot; {sim['duration_days']:g} simulated "
             f"days, warm-up {sim['warmup_days']:g} &middot; "
             f"{sum(r['sim']['wall_seconds'] for r in reports):.1f} s simulation wall time")
    overrides = meta.get("overrides") or {}
    if overrides:
        facts += " &middot; overrides: " + html.escape(
            ", ".join(f"{k}={v}" for k, v in overrides.items()))
    body = [f"<h1>{title}</h1>", f"<p class='facts'>{facts}</p>"]
    for heading, caption, png in figures:
        body.append(f"<figure><h2>{html.escape(heading)}</h2>"
                    f"<img alt='{html.escape(heading)}' src='data:image/png;base64,{png}'>"
                    f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    body.append("<h2>Summary (mean and 95 % confidence interval over replications)</h2>")
    body.append(_table(summary, {p for p, v in values.items() if not any(v)}))
    return _PAGE.format(title=title, body="\n".join(body))


# -- plots -----------------------------------------------------------------------------------

def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _nothing(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _bars(summary: Summary, section: str, unit: str) -> str:
    fig, ax = plt.subplots(figsize=(7, 3))
    try:
        node = summary[section]
    except KeyError:
        node = None
    if not node:
        _nothing(ax, "no fallout in the measured period")
    else:
        names = list(node)
        est = [node[n] for n in names]
        means = [e.mean for e in est]
        errs = [[e.mean - max(0.0, e.low) for e in est], [e.high - e.mean for e in est]]
        ax.barh(names, means, xerr=errs, capsize=4, color="#c0504d")
        ax.invert_yaxis()
        ax.set_xlabel(f"{unit} per replication")
        ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _mean_series(reports: Sequence[Report], *keys: str) -> np.ndarray | None:
    """The per-day series at ``timeline.<keys>``, averaged over replications."""
    series = []
    for r in reports:
        node: Any = r.get("timeline", {})
        for k in keys:
            node = node.get(k) if isinstance(node, dict) else None
        if node is None:
            return None
        series.append(node)
    length = min(len(s) for s in series)
    return np.mean([s[:length] for s in series], axis=0)


def _shade_warmup(ax: Any, reports: Sequence[Report]) -> None:
    warmup = reports[0]["sim"]["warmup_days"]
    if warmup:
        ax.axvspan(0, warmup, color="grey", alpha=0.15, lw=0)


def _per_day(reports: Sequence[Report]) -> str:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    for key, colour in (("submitted", "#4f81bd"), ("completed", "#9bbb59"),
                        ("fallout", "#c0504d")):
        series = _mean_series(reports, key)
        if series is not None:
            days = np.arange(len(series)) + 0.5
            ax.plot(days, series, label=key, color=colour, marker=".")
    _shade_warmup(ax, reports)
    ax.set_xlabel("simulated day")
    ax.set_ylabel("orders per day")
    ax.grid(alpha=0.3)
    ax.legend()
    return _png(fig)


def _cycle_time_cdf(reports: Sequence[Report]) -> str:
    pooled: Counter[float] = Counter()
    for r in reports:
        hist = r.get("cycle_time_histogram", {})
        for hours, n in zip(hist.get("hours", []), hist.get("orders", []), strict=True):
            pooled[hours] += n
    fig, ax = plt.subplots(figsize=(8, 3.2))
    if not pooled:
        _nothing(ax, "no completed orders in the measured period")
    else:
        hours = np.array(sorted(pooled))
        share = np.cumsum([pooled[h] for h in hours]) / sum(pooled.values())
        ax.step(hours, share, where="post", color="#4f81bd")
        for q in (0.5, 0.9):
            ax.axhline(q, color="grey", ls=":", lw=1)
        ax.set_xlabel("cycle time (hours)")
        ax.set_ylabel("share of orders completed within")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    return _png(fig)


def _utilisation(reports: Sequence[Report]) -> str:
    fig, ax = plt.subplots(figsize=(9, 3.2))
    kinds = list(reports[0].get("timeline", {}).get("utilisation", {}))
    if not kinds:
        _nothing(ax, "no utilisation series in these reports")
    for kind in kinds:
        series = _mean_series(reports, "utilisation", kind)
        if series is not None:
            ax.plot(np.arange(len(series)) + 0.5, series * 100, label=kind,
                    lw=2.5 if kind == "workforce" else 1.5)
    _shade_warmup(ax, reports)
    ax.set_xlabel("simulated day")
    ax.set_ylabel("% in use")
    ax.grid(alpha=0.3)
    if kinds:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return _png(fig)


def _backlogs(reports: Sequence[Report]) -> str:
    fig, ax = plt.subplots(figsize=(9, 3.2))
    drawn = 0
    for key, label in (("install_backlog", "installs waiting for a technician"),
                       ("fallout_backlog", "fallout work queue"),
                       ("orders_in_system", "product orders in the system")):
        series = _mean_series(reports, key)
        if series is not None:
            ax.plot(np.arange(len(series)) + 0.5, series, label=label)
            drawn += 1
    if drawn:
        _shade_warmup(ax, reports)
        ax.set_xlabel("simulated day")
        ax.set_ylabel("items (daily mean)")
        ax.set_yscale("symlog", linthresh=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    else:
        _nothing(ax, "no backlog series in these reports")
    return _png(fig)


# -- the table -------------------------------------------------------------------------------

def _sections(paths: list[str]) -> dict[str, list[str]]:
    """Metric paths by section (their first part): the headline figures' sections first,
    as on the terminal, and the headline figures first within theirs; then by path."""
    first = [m for m in HEADLINE_METRICS if m in paths]
    sections: dict[str, list[str]] = {}
    for path in first + sorted(set(paths) - set(first)):
        sections.setdefault(path.split(".")[0], []).append(path)
    return sections


def _row(path: str, e: Any) -> str:
    mark = "<sup>W</sup>" if e.interval == "wilson" else ""
    return (f"<tr><td>{html.escape(path)}</td><td>{e.mean:,.4g}</td>"
            f"<td>{e.sd:,.3g}</td><td>{e.low:,.4g} &ndash; {e.high:,.4g}{mark}</td>"
            f"<td>{e.n}</td></tr>")


def _table(summary: Summary, zero: set[str]) -> str:
    """The summary table, one group of rows per section; ``zero``: the metrics that are
    zero in every replication, in groups of their own that "show all" reveals."""
    flat = summary.flat()
    hidden = len(zero & set(flat))
    rows = [f"<p class='toggle'><label><input type='checkbox' id='show-all'> show all "
            f"{len(flat)} metrics ({hidden} zero in every replication are hidden)"
            f"</label></p>",
            "<table id='summary' class='hide-zero'><thead><tr><th>metric</th><th>mean</th>"
            "<th>sd</th><th>95 % CI</th><th>n</th></tr></thead>"]
    for section, paths in _sections(list(flat)).items():
        shown = [p for p in paths if p not in zero]
        rows.append(f"<tbody class='section{'' if shown else ' zero'}'><tr class='section'>"
                    f"<th colspan='5'>{html.escape(section)}</th></tr></tbody>")
        rows.append("<tbody>" + "".join(_row(p, flat[p]) for p in shown) + "</tbody>")
        rows.append("<tbody class='zero'>" + "".join(_row(p, flat[p]) for p in paths
                                                      if p in zero) + "</tbody>")
    rows.append("</table>")
    rows.append(_TOGGLE)
    rows.append("<p class='facts'>95 % CI: Student's t over the replications; "
                "<sup>W</sup>: a proportion, with a Wilson score interval (inside [0, 1]) "
                "for the effective number of trials the replications' spread implies.</p>")
    return "\n".join(rows)


_TOGGLE = """<script>
document.getElementById("show-all").addEventListener("change", (event) => {
  document.getElementById("summary").classList.toggle("hide-zero", !event.target.checked);
});
</script>"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="data:,">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; }}
h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }}
.facts {{ color: #555; }}
figure {{ margin: 0; }} img {{ max-width: 100%; }} figcaption {{ color: #555; }}
table {{ border-collapse: collapse; font-size: 0.9rem; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; font-family: monospace; }}
tr.section th {{ text-align: left; font-family: system-ui, sans-serif; padding-top: 0.8rem;
                background: #f3f3f3; }}
table.hide-zero tbody.zero {{ display: none; }}
</style></head>
<body>
{body}
</body></html>
"""
