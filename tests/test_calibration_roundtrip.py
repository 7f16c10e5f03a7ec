"""The round trip: a run of a known scenario is exported as an order history and
calibrated; the fitted parameters recover the true ones within their intervals, and
``omsim compare`` passes the fitted scenario and fails one with its fault rate doubled.

The design. The known scenario takes about 730 orders in a 10-day history (after a
6-day warm-up), with an evening-peaked intake profile, uniform lead times, triangular
installs, 8 % no-shows, an OLT refusing 30 % of its requests (three tries each) and 120
unserviceable addresses. The parameters are checked against intervals at 99.9 % each,
so the dozen of them (and the 24 hourly multipliers, at 99.9 % together) miss by chance
about once in 70 changes of the random streams. ``compare`` judges 8 figures at 99 %
together (Bonferroni), over 5 replications; doubling the OLT's refusals takes its
share of orders from 3 % to about 26 %, several interval widths away.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.history.calibrated import write_calibrated
from sim.scenario.profiles import RateProfile
from tests.conftest import CATALOG

HOURLY = [0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3, 1.3,
          1.2, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2.0, 1.8, 1.2, 0.7, 0.4]
TRUTH = {
    "name": "truth", "seed": 21, "duration_days": 16, "warmup_days": 6,
    "catalog": str(CATALOG),
    "network": {"exchanges": 2, "olts_per_exchange": 1, "line_cards_per_olt": 4,
                "pon_ports_per_line_card": 8, "split_ratio": 32, "bngs": 2, "regions": 1,
                "unserviceable_addresses": 120, "ipv4_pool_prefix_length": 21},
    "workforce": {"technicians": 30,
                  "appointment_lead_days": {"dist": "uniform", "low": 1, "high": 4},
                  "install_min": {"dist": "triangular", "low": 90, "mode": 120, "high": 180},
                  "no_show_rate": 0.08},
    "elements": {"olt": {"error_rate": 0.3}},
    "rate_profiles": {"evening": {"hourly": HOURLY}},
    "arrivals": [{"offering": "SuperFibre 200 Home", "rate_per_day": 60,
                  "profile": "evening"},
                 {"offering": "Business Fibre 1G", "rate_per_day": 15}],
}
LEVEL = 0.999


def _inside(fit, true: float) -> bool:
    return fit.low <= true <= fit.high


def test_calibrated_twin_recovers_the_truth_and_compare_judges_it(tmp_path: Path):
    truth = tmp_path / "truth.yaml"
    truth.write_text(yaml.safe_dump(TRUTH, sort_keys=False))
    report, orders, fitted = (tmp_path / n for n in ("run.json", "orders.jsonl",
                                                     "fitted.yaml"))
    assert main(["run", str(truth), "--trace", "--out", str(report), "--quiet"]) == 0
    assert main(["export", str(report), "--orders", str(orders)]) == 0
    cal = write_calibrated(orders, CATALOG, fitted, truth, level=LEVEL)

    rates = {(s.offering, s.order_type): s for s in cal.streams}
    assert set(rates) == {("SuperFibre 200 Home", "provide"), ("Business Fibre 1G", "provide")}
    assert _inside(rates["SuperFibre 200 Home", "provide"].rate_per_day, 60)
    assert _inside(rates["Business Fibre 1G", "provide"].rate_per_day, 15)
    profile = cal.profiles[rates["SuperFibre 200 Home", "provide"].profile]
    true_hourly = RateProfile(hourly=HOURLY).normalised()[:24]
    assert profile.hourly is not None
    assert all(_inside(f, t) for f, t in zip(profile.hourly, true_hourly, strict=True))
    assert profile.daily is None or all(_inside(f, 1.0) for f in profile.daily)
    assert rates["Business Fibre 1G", "provide"].profile is None  # flat: no profile

    lead = cal.lead_days
    assert lead is not None and lead.dist["dist"] == "uniform"
    assert _inside(lead.parameters["low"], 1) and _inside(lead.parameters["high"], 4)
    assert _inside(lead.mean, 2.5)
    assert cal.install_min is not None and _inside(cal.install_min.mean, 130)
    assert cal.no_show_rate is not None and _inside(cal.no_show_rate, 0.08)
    assert cal.unserviceable is not None and _inside(cal.unserviceable, 120)
    (olt,) = cal.element_rates
    assert (olt.kind, olt.field) == ("olt", "error_rate") and _inside(olt.rate, 0.3)

    # The fitted scenario behaves like the history; with the OLT's refusals doubled it
    # does not.
    compare = ["compare", str(orders), "--replications", "5", "--workers", "1",
               "--level", "0.99"]
    assert main([*compare[:2], str(fitted), *compare[2:]]) == 0
    doubled = yaml.safe_load(fitted.read_text())
    doubled["elements"]["olt"]["error_rate"] *= 2
    doubled_path = tmp_path / "doubled.yaml"
    doubled_path.write_text(yaml.safe_dump(doubled, sort_keys=False))
    assert main([*compare[:2], str(doubled_path), *compare[2:]]) == 1


def test_calibrate_a_csv_history_on_the_command_line(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture):
    """The README's example in miniature: a CSV history, calibrate without a base (the
    schema's network), a scenario file with a comment per fitted value that loads."""
    history = tmp_path / "orders.csv"
    rows = ["id,order_date,state,offering,order_type,completion_date"]
    for n in range(300):
        day, hour = divmod(n * 7, 24)
        rows.append(f"O{n},2024-01-{1 + day % 28:02d}T{hour:02d}:00:00Z,completed,"
                    f"SuperFibre 200 Home,provide,2024-01-{1 + day % 28:02d}T{hour:02d}:30:00Z")
    history.write_text("\n".join(rows) + "\n")
    out = tmp_path / "twin.yaml"
    assert main(["calibrate", str(history), "--catalog", str(CATALOG), "-o", str(out)]) == 0
    text = out.read_text()
    assert "# SuperFibre 200 Home provide: " in text and "(CI " in text
    assert main(["validate", str(out)]) == 0
    assert "calibrated from 300 orders" in capsys.readouterr().out
