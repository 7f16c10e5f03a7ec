"""The calibrated scenario: a base scenario (the network, roster, elements and policies
a history cannot tell) with what :mod:`sim.history.fit` fitted laid over it, written as
YAML with a comment above each fitted value giving its estimate, its confidence interval and how
it was found.

Replaced from the base: ``arrivals`` and ``rate_profiles`` (the history's streams),
``workforce.appointment_lead_days``, ``install_min`` and ``no_show_rate``,
``network.unserviceable_addresses``, an element kind's ``error_rate`` or
``lost_answer_rate`` where its fallout says so, and the run's length (the fitted
warm-up plus the history's span). The base's ``faults`` and ``thresholds`` are dropped:
a calibrated twin is the network in its steady state.
"""

from __future__ import annotations

import copy
import math
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from network_model import generate_network
from om import ScenarioError, load_catalog
from om.config_files import read_yaml
from sim.files import write_text
from sim.history.fit import Calibration, DistributionFit, Fitted, calibrate
from sim.history.read import read_history
from sim.history.records import HistoryError
from sim.scenario.load import load_scenario, scenario_from_dict

Comments = dict[tuple[Any, ...], list[str]]
_DROPPED = ("faults", "thresholds", "arrivals", "rate_profiles", "description")


def write_calibrated(history: Path, catalog: Path, out: Path, base: Path | None = None,
                     name: str | None = None, level: float = 0.95) -> Calibration:
    """Fit ``history`` and write the calibrated scenario to ``out`` (checked by loading
    it back, as ``omsim run`` would). ``base``: the scenario whose network, roster,
    elements and policies the twin keeps (without one, the schema's defaults)."""
    orders = read_history(history)
    if base is not None:
        raw = read_yaml(base, "scenario", ScenarioError)
        if not isinstance(raw, dict):
            raise ScenarioError(f"{base}: expected a mapping of scenario fields")
        scenario = load_scenario(base)
    else:
        raw = {}
        scenario = scenario_from_dict({"name": "base", "duration_days": 1,
                                       "catalog": str(catalog.resolve()),
                                       "arrivals": [_any_arrival(catalog)]},
                                      "<defaults>", catalog.parent)
    catalog_data = load_catalog(catalog)
    network = generate_network(scenario.network, scenario.seed, scenario.workforce)
    serviceable = sum(1 for a in network.addresses if a.serviceable)
    cal = calibrate(orders, catalog_data, scenario, serviceable, level)
    catalog_ref = os.path.relpath(catalog.resolve(), out.resolve().parent)
    data, comments = scenario_document(cal, raw, catalog_ref, name or out.stem or
                                       "calibrated", str(history))
    header = [f"Calibrated by 'omsim calibrate {history}' "
              f"(catalog {catalog}{f', base {base}' if base else ''}).",
              f"Each fitted value has a comment above it: the estimate, its "
              f"{level:.1%} confidence interval (CI), and how it was found."]
    text = to_yaml(data, comments, header)
    try:
        scenario_from_dict(yaml.safe_load(text), str(out), out.resolve().parent)
    except ScenarioError as exc:
        raise HistoryError(f"{history}: the calibrated scenario is not valid: {exc}") from None
    write_text(out, text, "-o")
    return cal


def _any_arrival(catalog: Path) -> dict[str, Any]:
    """One arrival of a sellable offering: enough to load a scenario on ``catalog``."""
    offering = next(o.name for o in load_catalog(catalog).offerings.values() if o.sellable)
    return {"offering": offering, "rate_per_day": 1}


def scenario_document(cal: Calibration, base: dict[str, Any], catalog: str, name: str,
                      source: str) -> tuple[dict[str, Any], Comments]:
    """The calibrated scenario as a mapping, and the comments by key path."""
    data = {k: copy.deepcopy(v) for k, v in base.items() if k not in _DROPPED}
    comments: Comments = {}
    data["name"] = name
    data["description"] = (f"Calibrated by omsim calibrate from {source}: {cal.orders:,} "
                           f"orders, {_day(cal.start)} .. {_day(cal.end)}")
    data.setdefault("seed", 1)
    data["warmup_days"] = cal.warmup_days
    data["duration_days"] = round(cal.warmup_days + cal.span_days, 3)
    comments[("warmup_days",)] = ["whole days past the 99th percentile of the history's "
                                  "cycle times: the empty network's start is over by then"]
    comments[("duration_days",)] = [f"the warm-up plus the history's {cal.span_days:.3f} "
                                    f"days"]
    data["catalog"] = catalog
    _workforce(data, comments, cal)
    _network_and_elements(data, comments, cal)
    _traffic(data, comments, cal)
    return _ordered(data), comments


def _day(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _workforce(data: dict[str, Any], comments: Comments, cal: Calibration) -> None:
    workforce = data.setdefault("workforce", {})
    for key, fit in (("appointment_lead_days", cal.lead_days),
                     ("install_min", cal.install_min)):
        if fit is not None:
            workforce[key] = fit.dist
            comments[("workforce", key)] = _distribution_lines(fit)
    if cal.no_show_rate is not None:
        workforce["no_show_rate"] = round(cal.no_show_rate.value, 5)
        comments[("workforce", "no_show_rate")] = [f"fitted: {cal.no_show_rate.text()}"]


def _distribution_lines(fit: DistributionFit) -> list[str]:
    lines = [f"fitted: {fit.note}", f"mean {fit.mean.text()}"]
    lines += [f"{name} {value.text()}" for name, value in fit.parameters.items()]
    return lines


def _network_and_elements(data: dict[str, Any], comments: Comments, cal: Calibration) -> None:
    if cal.unserviceable is not None:
        fit = cal.unserviceable
        data.setdefault("network", {})["unserviceable_addresses"] = int(round(fit.value))
        high = "unbounded" if math.isinf(fit.high) else f"{fit.high:,.0f}"
        comments[("network", "unserviceable_addresses")] = [
            f"fitted from address_not_found: {fit.value:,.1f} (CI {fit.low:,.1f} .. "
            f"{high}; {fit.how}, n = {fit.n:,})"]
    elements = data.setdefault("elements", {})
    for rate in cal.element_rates:
        settings = elements.setdefault(rate.kind, {})
        settings[rate.field] = round(rate.rate.value, 5)
        comments[("elements", rate.kind, rate.field)] = [
            f"fitted from {rate.cause} on {rate.kind}: {rate.rate.text()}"]
    if not elements:
        data.pop("elements")
    shares = [f"  {cause}: {share.text()}" for cause, share in cal.fallout_shares.items()]
    if shares:
        comments[("order_management",) if "order_management" in data else ("arrivals",)] = [
            "fallout in the history, share of all orders by first cause:", *shares]


def _traffic(data: dict[str, Any], comments: Comments, cal: Calibration) -> None:
    if cal.profiles:
        data["rate_profiles"] = {name: p.as_scenario() for name, p in cal.profiles.items()}
        for name, p in cal.profiles.items():
            lines = [f"fitted: hour of day (chi-square against flat p = {p.hour_p:.2g}) and "
                     f"day of week (p = {p.day_p:.2g}); a row is kept when p < 0.01"]
            for key, row in (("hourly", p.hourly), ("daily", p.daily)):
                if row is not None:
                    lines.append(f"{key} CIs (Bonferroni): " + ", ".join(
                        f"{f.low:.2f}..{f.high:.2f}" for f in row))
            comments[("rate_profiles", name)] = lines
    arrivals = []
    for stream in cal.streams:
        if stream.order_type == "modify":
            continue  # the history does not say what a modify changes
        entry: dict[str, Any] = {"offering": stream.offering}
        if stream.order_type != "provide":
            entry["order_type"] = stream.order_type
        entry["rate_per_day"] = _round(stream.rate_per_day.value)
        if stream.sites > 1:
            entry["sites"] = stream.sites
        if stream.profile:
            entry["profile"] = stream.profile
        comments[("arrivals", len(arrivals))] = [
            f"{stream.offering} {stream.order_type}: {stream.rate_per_day.text()}"]
        arrivals.append(entry)
    skipped = [s for s in cal.streams if s.order_type == "modify"]
    if skipped:
        comments[("arrivals",)] = comments.get(("arrivals",), []) + [
            f"not written: {s.offering} modify, {s.rate_per_day.text()}: the history does "
            f"not say which characteristics they change" for s in skipped]
    data["arrivals"] = arrivals


def _round(x: float) -> float:
    """Four significant figures: finer than any interval the fits give."""
    return float(f"{x:.4g}")


_ORDER = ("name", "description", "seed", "duration_days", "warmup_days", "catalog",
          "network", "workforce", "elements", "order_management", "churn", "approvals",
          "jeopardy_share", "rate_profiles", "arrivals")


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    keys = [k for k in _ORDER if k in data] + [k for k in data if k not in _ORDER]
    return {k: data[k] for k in keys}


def to_yaml(data: dict[str, Any], comments: Comments, header: list[str]) -> str:
    """``data`` as block YAML (mappings of plain values and lists of mappings in flow
    style), each commented key preceded by its comment lines."""
    out = [f"# {line}" for line in header]
    _emit(data, 0, (), comments, out)
    return "\n".join(out) + "\n"


def _emit(node: dict[str, Any], indent: int, path: tuple[Any, ...], comments: Comments,
          out: list[str]) -> None:
    pad = " " * indent
    for key, value in node.items():
        here = (*path, key)
        out.extend(f"{pad}# {line}" for line in comments.get(here, ()))
        if isinstance(value, dict) and value and not _plain(value):
            out.append(f"{pad}{_flow(key)}:")
            _emit(value, indent + 2, here, comments, out)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append(f"{pad}{_flow(key)}:")
            for n, item in enumerate(value):
                out.extend(f"{pad}  # {line}" for line in comments.get((*here, n), ()))
                out.append(f"{pad}  - {_flow(item)}")
        else:
            out.append(f"{pad}{_flow(key)}: {_flow(value)}")


def _plain(value: dict[str, Any]) -> bool:
    """A mapping small enough for one line: no mapping or list of mappings inside."""
    return not any(isinstance(v, dict) or (isinstance(v, list) and v
                                           and isinstance(v[0], (dict, list)))
                   for v in value.values())


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False,
                          width=10**9, allow_unicode=True).strip()
    return text.removesuffix("\n...").strip()


def fitted_summary(cal: Calibration) -> list[tuple[str, Fitted]]:
    """Every fitted value by what it is, for the command line's table."""
    rows: list[tuple[str, Fitted]] = [
        (f"rate_per_day {s.offering} {s.order_type}" + (f" x{s.sites}" if s.sites > 1 else ""),
         s.rate_per_day) for s in cal.streams]
    for key, fit in (("appointment_lead_days mean", cal.lead_days),
                     ("install_min mean", cal.install_min)):
        if fit is not None:
            rows.append((key, fit.mean))
            field = key.split()[0]
            rows += [(f"{field} {k}", v) for k, v in fit.parameters.items()]
    if cal.no_show_rate is not None:
        rows.append(("no_show_rate", cal.no_show_rate))
    if cal.unserviceable is not None:
        rows.append(("unserviceable_addresses", cal.unserviceable))
    rows += [(f"{r.kind} {r.field}", r.rate) for r in cal.element_rates]
    rows += [(f"fallout share {c}", f) for c, f in cal.fallout_shares.items()]
    return rows
