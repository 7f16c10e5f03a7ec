"""The dashboards in a real browser: Debian's headless Chromium driven by playwright's
Python API, against ``omsim serve --api-key`` in another process (one server for the
module: a small network, background arrivals, at high speed), and against ``omsim
emulate``'s lab (a tiny network at an hour a second, served from a thread).

What a person relies on: the page asks for the key (the lab's: its user and password)
and then shows the run with no console error, every chart has data points, the
simulated clock moves between two reads, and a fault injected from the page's controls
is in the fault list and then in the fallout by cause; the lab's page shows a NETCONF
edit-config and RESTCONF PUTs made meanwhile, and the rpc-error one of them earned, in
its wire activity. With ``CI=true`` these tests must run: a missing browser fails them
instead of skipping them (``.ci/run`` installs chromium).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sim.cli import main
from tests.conftest import small_dict
from tests.emulatetools import (
    JSON,
    NET,
    PASSWORD,
    USER,
    lab_dict,
    netconf,
    ont_config,
    ont_json,
    restconf,
    serving,
)
from tests.livetools import Server, live_scenario, wait_for, write_scenario

KEY = "dashboard-key-16"
CHARTS = ("chart-throughput", "chart-states", "chart-cause", "chart-layer", "chart-cycle",
          "chart-pools", "chart-work")
LAB_CHARTS = ("chart-wire", "chart-errors", "chart-pools", "chart-work")
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")


def _playwright() -> Any:
    """playwright's sync API, or a skip (a failure under CI=true) saying what is missing."""
    problem = ""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[dev]')"
    if not problem and not CHROMIUM.exists():
        problem = "Debian's chromium is not installed (apt-get install -y chromium)"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the browser tests cannot run: {problem}")
        pytest.skip(problem)
    return sync_playwright


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("dashboard")
    raw = live_scenario(arrivals=[{"offering": "SuperFibre 200 Home", "rate_per_day": 100},
                                  {"offering": "Business Fibre 1G", "rate_per_day": 10}])
    live = Server(write_scenario(directory, raw), directory / "ui.sqlite", 20_000,
                  "--api-key", KEY, "--background-arrivals")
    try:
        wait_for(lambda: _up(live), 60, f"the server to answer ({live.log})")
        yield live
    finally:
        live.stop()


def _up(live: Server) -> bool:
    if live.process.poll() is not None:
        raise AssertionError(f"server exited: {live.log.read_text()}")
    try:
        return httpx.get(f"{live.url}/omsim/status", headers={"X-API-Key": KEY},
                         timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with _playwright()() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


def _tab(browser: Any) -> Any:
    """A new page whose console errors (and uncaught exceptions) land in ``.errors``."""
    tab = browser.new_page(viewport={"width": 1400, "height": 1600})
    tab.errors = []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    return tab


@pytest.fixture(scope="module")
def page(server: Server, browser: Any) -> Iterator[Any]:
    """The dashboard, logged in with the key, with its console errors in ``.errors``."""
    tab = _tab(browser)
    login = tab.goto(f"{server.url}/")
    assert login is not None and login.status == 401  # the key is asked for first
    tab.errors.clear()  # from here on (Chromium logs the login page's 401 as one)
    tab.fill("#api-key", KEY)
    tab.click("#login")
    tab.wait_for_selector("#fault-kind option", state="attached")
    yield tab
    tab.close()


def _points(page: Any, charts: tuple[str, ...] = CHARTS) -> dict[str, int]:
    return {c: int(page.get_attribute(f"#{c}", "data-points") or 0) for c in charts}


def test_the_page_shows_the_run_live(page: Any) -> None:
    """Charts fill, the clock moves between two reads, the console stays clean."""
    wait_for(lambda: min(_points(page).values()) >= 2, 20, "two points on every chart")
    for chart in CHARTS:
        assert int(page.get_attribute(f"#{chart}", "data-series")) >= 1, chart
        assert page.locator(f"#{chart} canvas").count() == 1, chart
    first = float(page.get_attribute("#clock", "data-seconds"))
    second = wait_for(lambda: (t := float(page.get_attribute("#clock", "data-seconds")))
                      > first and t, 10, "the clock to move")
    assert second > first
    assert int(page.inner_text("#card-submitted")) > 0
    # The controls open on the first kind, with its own fields.
    assert page.input_value("#fault-kind") == "element_outage"
    assert page.locator("#fault-fields select[name=element]").count() == 1
    assert page.inner_text("#health") == "healthy"
    assert page.errors == []


def test_a_fault_injected_from_the_page_is_listed_and_causes_fallout(page: Any) -> None:
    """A BNG outage from the controls: in the fault list at once (active), then its
    orders in the fallout by cause (table and chart), and no console error."""
    page.select_option("#fault-kind", "element_outage")
    page.select_option("select[name=element]", "bng:BNG01")
    page.fill("#fault-hours", "24")
    page.click("#fault-inject")
    message = wait_for(lambda: (t := page.inner_text("#fault-message")) and t, 10,
                       "the injection's answer")
    assert message.startswith("injected FLT-"), message
    fault_id = message.split()[1].rstrip(":")
    row = page.locator(f"#fault-list tr[data-id='{fault_id}']")
    wait_for(lambda: row.count() == 1, 5, "the fault in the list")
    assert "element_outage bng:BNG01" in row.inner_text()
    assert row.get_attribute("class") == "active"
    wait_for(lambda: "element_unreachable" in page.inner_text("#fallout-causes"), 30,
             "element_unreachable in the fallout by cause")
    wait_for(lambda: "element_unreachable" in page.inner_text("#chart-cause"), 10,
             "element_unreachable on the fallout-by-cause chart")
    assert page.errors == []


def test_the_html_report_hides_zero_metrics_until_show_all(browser: Any, tmp_path: Path,
                                                           write_yaml: Any) -> None:
    """omsim report in the browser: every plot drawn, the summary grouped by section,
    metrics zero in every replication hidden until "show all" is ticked, no console
    error."""
    scenario = write_yaml("small.yaml", small_dict(duration_days=3))
    run_dir, html = tmp_path / "run", tmp_path / "report.html"
    assert main(["run", str(scenario), "--replications", "2", "--workers", "1", "--quiet",
                 "--out-dir", str(run_dir)]) == 0
    assert main(["report", str(run_dir), "-o", str(html)]) == 0
    tab = _tab(browser)
    tab.goto(html.as_uri())
    widths = tab.eval_on_selector_all("img", "images => images.map(i => i.naturalWidth)")
    assert len(widths) == 6 and min(widths) > 0
    sections = tab.locator("tr.section:visible th").all_inner_texts()
    assert sections[0] == "orders" and {"fallout", "cycle_time_hours"} <= set(sections)
    assert len(sections) == len(set(sections))  # one group per section
    rows = "#summary tr:not(.section)"
    shown, every = tab.locator(f"{rows}:visible").count(), tab.locator(rows).count()
    zero = every - shown
    assert zero > 0 and shown > 0
    assert tab.locator("#summary tbody.zero td:first-child").first.is_hidden()
    assert f"({zero} zero in every replication are hidden)" in tab.inner_text(".toggle")
    tab.check("#show-all")
    assert tab.locator(f"{rows}:visible").count() == every
    tab.uncheck("#show-all")
    assert tab.locator(f"{rows}:visible").count() == shown
    assert tab.errors == []


def test_the_emulator_dashboard_shows_the_lab_and_its_wire(browser: Any) -> None:
    """omsim emulate's page: its login, charts filling, the clock moving, the scenario's
    fault scheduled, and a NETCONF edit-config and two RESTCONF PUTs (one refused) in
    the wire activity, with no console error."""
    raw = lab_dict(faults=[{"kind": "element_outage", "element": "bng:BNG01",
                            "from_days": 20, "until_days": 21}])
    with serving(raw, speed=3600) as lab:
        tab = _tab(browser)
        login = tab.goto(f"http://127.0.0.1:{lab.http_port}/")
        assert login is not None and login.status == 401  # user and password first
        tab.errors.clear()
        tab.fill("#user", USER)
        tab.fill("#password", PASSWORD)
        tab.click("#login")
        wait_for(lambda: min(_points(tab, LAB_CHARTS).values()) >= 2, 15,
                 "two points on every chart of the lab")
        for chart in LAB_CHARTS:
            assert tab.locator(f"#{chart} canvas").count() == 1, chart
        first = float(tab.get_attribute("#clock", "data-seconds"))
        wait_for(lambda: float(tab.get_attribute("#clock", "data-seconds")) > first, 10,
                 "the lab's clock to move")
        fault = tab.locator("#fault-list tr[data-id='scenario-0']")
        assert "element_outage bng:BNG01" in fault.inner_text()
        assert fault.get_attribute("class") == "scheduled"
        assert tab.inner_text("#card-edit-configs") == "0"
        with netconf(lab) as m:
            m.edit_config(target="running", config=ont_config(ont_id=7, serial="ALCL00000007"))
        with restconf(lab) as rc:
            ont = f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,2/ont=6"
            assert rc.put(ont, json=ont_json(6, "ALCL00000006"), headers=JSON).status_code == 201
            assert rc.put(ont, json={"nothing": 1}, headers=JSON).status_code == 400
        wait_for(lambda: tab.inner_text("#card-restconf") == "2", 10, "two RESTCONF requests")
        assert tab.inner_text("#card-edit-configs") == "1"
        assert "edit-config\t1" in tab.inner_text("#netconf-rpcs")
        assert "PUT\t2" in tab.inner_text("#restconf-requests")
        assert tab.inner_text("#card-rpc-errors") == "1"
        assert "\t0\t1" in tab.inner_text("#rpc-errors")  # one tag, over RESTCONF
        assert tab.errors == []
        tab.close()
