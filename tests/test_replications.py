"""Replications, executors, sweeps and the run directory."""

from __future__ import annotations

import csv
import json

import pytest

from sim.cli import main, parse_set
from sim.experiments.replicate import Summary, load_run_dir, metric_values, replicate
from sim.experiments.sweep import grid, run_sweep, write_sweep
from sim.stats.estimates import Estimate
from tests.conftest import small_dict, without_wall_time


def test_replications_differ_and_reproduce(small_scenario):
    """Replications are independent runs, and rerunning them gives the same reports."""
    first = replicate(small_scenario, 3, workers=1)
    again = replicate(small_scenario, 3, workers=1)
    assert without_wall_time(first.reports) == without_wall_time(again.reports)
    assert [r["replication"] for r in first.reports] == [0, 1, 2]
    assert {r["seed"] for r in first.reports} == {small_scenario.seed}
    submitted = [r["orders"]["submitted"] for r in first.reports]
    assert len(set(submitted)) > 1


def test_every_numeric_metric_gets_an_estimate(small_scenario):
    """The summary holds mean, sd and a Student-t 95 % CI for each metric of the report."""
    runs = replicate(small_scenario, 3, workers=1)
    flat = runs.summary.flat()
    assert {"fallout.rate", "cycle_time_hours.p90", "flow_through_rate",
            "utilisation.workforce.busy_share", "orders.submitted"} <= set(flat)
    assert "sim.wall_seconds" not in flat  # machine-dependent, not a metric
    rate = runs.fallout.rate
    assert isinstance(rate, Estimate) and rate.n == 3
    values = [r["fallout"]["rate"] for r in runs.reports]
    assert rate.mean == pytest.approx(sum(values) / 3)
    assert rate.lower < rate.mean < rate.upper
    # A dotted path reaches keys that are not identifiers.
    assert runs["fallout.by_offering.SuperFibre 200 Home.rate"].n == 3
    with pytest.raises(AttributeError, match="no metric 'fallout.nonsense'"):
        _ = runs.fallout.nonsense


def test_a_breakdown_missing_from_a_replication_counts_zero():
    """A fallout cause seen in one replication only averages in as zero elsewhere."""
    reports = [{"fallout": {"by_cause": {"timeout": 4}}}, {"fallout": {"by_cause": {}}}]
    summary = Summary.of(metric_values(reports))
    assert summary.fallout.by_cause.timeout.mean == 2.0


def test_process_pool_gives_the_same_numbers(small_scenario):
    """Local processes and the in-process loop return identical reports, in order."""
    serial = replicate(small_scenario, 4, workers=1)
    pooled = replicate(small_scenario, 4, workers=2)
    assert without_wall_time(serial.reports) == without_wall_time(pooled.reports)
    assert serial.summary.flat() == pooled.summary.flat()


def test_progress_is_reported_per_replication(small_scenario):
    """The progress callback (the CLI's bar) hears of every finished replication."""
    calls = []
    replicate(small_scenario, 3, workers=2, progress=lambda done, total: calls.append(
        (done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_dask_executor_gives_the_same_numbers(small_scenario):
    """A dask.distributed LocalCluster returns exactly what local processes return."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_dask = replicate(small_scenario, 3, executor="dask",
                            scheduler=cluster.scheduler_address)
    local = replicate(small_scenario, 3, workers=2)
    assert without_wall_time(on_dask.reports) == without_wall_time(local.reports)


def test_dask_without_a_scheduler_starts_a_local_cluster(small_scenario):
    """No --scheduler: a local dask cluster runs the jobs, says where its dashboard is
    (a page that answers while it runs), and gives the local numbers (issue 16)."""
    pytest.importorskip("distributed")
    import httpx

    from sim.experiments.executors import DaskCluster, Job, run_jobs

    links: list[str] = []

    def announce(text: str) -> None:
        links.append(text.split("dashboard ")[1].split()[0])
        assert httpx.get(links[0], timeout=10).status_code == 200

    jobs = [Job(small_scenario, small_scenario.seed, r) for r in range(2)]
    on_dask = run_jobs(jobs, executor=DaskCluster(None, workers=1, announce=announce,
                                                  processes=False))
    assert links and links[0].startswith("http://127.0.0.1:")
    local = replicate(small_scenario, 2, workers=1)
    assert without_wall_time(on_dask) == without_wall_time(local.reports)


def test_set_values_parse_as_yaml_scalars():
    """--set values keep their types, and several axes make a Cartesian grid."""
    techs, lead = parse_set("workforce.technicians=4,8"), parse_set("name=a,b")
    assert techs.values == (4, 8)
    assert grid([techs, lead]) == [
        {"workforce.technicians": 4, "name": "a"}, {"workforce.technicians": 4, "name": "b"},
        {"workforce.technicians": 8, "name": "a"}, {"workforce.technicians": 8, "name": "b"}]


def test_sweep_writes_table_and_plot(write_yaml, tmp_path):
    """A sweep over technicians writes CSV, JSON and PNG; more technicians, shorter waits."""
    path = write_yaml("small.yaml", small_dict(
        workforce={"technicians": 2, "shift_start_hour": 8, "shift_end_hour": 18}))
    axes = [parse_set("workforce.technicians=2,12")]
    results = run_sweep(path, axes, 2, workers=1)
    paths = write_sweep(tmp_path / "out", axes, results)
    rows = list(csv.DictReader(paths["csv"].open()))
    assert [row["workforce.technicians"] for row in rows] == ["2", "12"]
    wait = [float(row["utilisation.workforce.queue_wait_hours_mean.mean"]) for row in rows]
    assert wait[0] > wait[1]
    table = json.loads(paths["json"].read_text())
    assert [p["overrides"] for p in table["points"]] == [{"workforce.technicians": 2},
                                                         {"workforce.technicians": 12}]
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths["png"].stat().st_size > 10_000


def test_cli_run_writes_a_run_directory(write_yaml, tmp_path, capsys):
    """omsim run --replications N --out-dir writes summary.json and N reports."""
    path = write_yaml("small.yaml", small_dict())
    run_dir = tmp_path / "run"
    code = main(["run", str(path), "--replications", "3", "--workers", "1",
                 "--out-dir", str(run_dir)])
    assert code == 0
    summary, reports = load_run_dir(run_dir)
    assert summary["replications"] == 3 and len(reports) == 3
    assert summary["metrics"]["fallout"]["rate"]["n"] == 3
    assert "fallout.rate" in capsys.readouterr().out


def test_cli_rejects_a_bad_sweep_spec(write_yaml, tmp_path, capsys):
    """A malformed --set is an error naming the option, not a traceback."""
    path = write_yaml("small.yaml", small_dict())
    assert main(["sweep", str(path), "--set", "workforce.technicians", "--out",
                 str(tmp_path / "o"), "--quiet"]) == 2
    assert "--set" in capsys.readouterr().err
