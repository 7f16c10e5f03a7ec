"""The CI gate: thresholds judged with confidence, baseline regressions, JUnit XML and
the pytest plugin."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import yaml

from sim.cli import main
from sim.experiments.replicate import replicate
from tests.conftest import small_dict

# The small scenario loses a few % of orders to unserviceable addresses, and its
# installs take a day or more (cycle time p90 ~30 h).
# No order times out there: a cause that never occurred counts as zero, not as unknown.
PASSING = ["fallout.rate < 0.5", "flow_through_rate > 0.2", "fallout.by_cause.timeout < 1"]
FAILING = ["cycle_time_hours.p90 < 20"]


def test_passing_thresholds_exit_zero(write_yaml, capsys):
    """Thresholds that hold pass, and check exits 0."""
    path = write_yaml("ok.yaml", small_dict(thresholds=PASSING))
    assert main(["check", str(path), "--replications", "3", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "fallout.rate < 0.5" in out and "pass" in out


def test_violated_threshold_exits_nonzero_and_says_by_how_much(write_yaml, capsys):
    """A threshold violated with confidence fails the check and names metric and margin."""
    path = write_yaml("bad.yaml", small_dict(thresholds=PASSING + FAILING))
    assert main(["check", str(path), "--replications", "3", "--workers", "1",
                 "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "cycle_time_hours.p90 < 20" in out
    assert "past the limit 20 by +" in out


def test_mean_past_the_limit_inside_the_noise_does_not_fail(small_scenario, write_yaml,
                                                          capsys):
    """A mean past the limit whose CI still reaches it is inconclusive: exit 0."""
    p90 = replicate(small_scenario, 3, workers=1).cycle_time_hours.p90
    limit = p90.mean - p90.half_width / 2  # violated by the mean, not by the whole CI
    path = write_yaml("edge.yaml", small_dict(thresholds=[f"cycle_time_hours.p90 < {limit}"]))
    assert main(["check", str(path), "--replications", "3", "--workers", "1"]) == 0
    assert "inconclusive" in capsys.readouterr().out


def test_junit_has_one_case_per_threshold(write_yaml, tmp_path):
    """--junit writes a test case per threshold and a failure for the violated one."""
    path = write_yaml("bad.yaml", small_dict(thresholds=PASSING + FAILING))
    junit = tmp_path / "junit.xml"
    main(["check", str(path), "--replications", "3", "--workers", "1", "--quiet",
          "--junit", str(junit)])
    root = ET.parse(junit).getroot()
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == PASSING + FAILING
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == FAILING


def test_several_scenarios_are_one_suite_each(write_yaml, tmp_path):
    """check over two scenarios fails if either fails; JUnit has a suite per scenario."""
    ok = write_yaml("ok.yaml", small_dict(name="ok", thresholds=PASSING))
    bad = write_yaml("bad.yaml", small_dict(name="bad", thresholds=FAILING))
    junit = tmp_path / "junit.xml"
    assert main(["check", str(ok), str(bad), "--replications", "3", "--workers", "1",
                 "--quiet", "--junit", str(junit)]) == 1
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert [(s.get("name"), s.get("failures")) for s in suites] == [("ok", "0"), ("bad", "1")]


def test_unknown_metric_in_a_threshold_is_a_clear_error(write_yaml, capsys):
    """A threshold on a metric the report lacks names the file, the entry and the metric."""
    path = write_yaml("typo.yaml", small_dict(thresholds=["fallout.rat < 0.1"]))
    assert main(["check", str(path), "--replications", "2", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "typo.yaml: thresholds.0: 'fallout.rat' is not a metric" in err


def test_malformed_threshold_is_a_clear_error(write_yaml, capsys):
    """A threshold that does not parse is reported with file and entry, exit 2."""
    path = write_yaml("typo.yaml", small_dict(thresholds=["fallout.rate about 0.1"]))
    assert main(["check", str(path), "--replications", "2", "--workers", "1"]) == 2
    assert "typo.yaml: thresholds.0:" in capsys.readouterr().err


def test_baseline_catches_a_regression(write_yaml, tmp_path, capsys):
    """More unserviceable addresses (a data regression) fail the baseline comparison."""
    base = write_yaml("small.yaml", small_dict())
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(base), "-o", str(baseline), "--replications", "5",
                 "--workers", "1", "--quiet"]) == 0
    assert json.loads(baseline.read_text())["scenarios"]["small"]["replications"] == 5
    network = dict(small_dict()["network"], unserviceable_addresses=120)
    worse = write_yaml("worse.yaml", small_dict(network=network))
    junit = tmp_path / "junit.xml"
    assert main(["check", str(worse), "--baseline", str(baseline), "--replications", "5",
                 "--workers", "1", "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "fallout.rate no worse than baseline" in out
    assert "Welch one-sided p" in out
    failed = [c.get("name") for c in ET.parse(junit).getroot().iter("testcase")
              if c.find("failure") is not None]
    assert "fallout.rate no worse than baseline" in failed


def test_baseline_ignores_noise(write_yaml, tmp_path):
    """The same scenario under other random streams (other seeds) is not a regression.

    A check is Welch tests at 5 % for the whole family (Bonferroni), so it flags pure
    noise at most once in 20. Of three noisy checks at most one may fail: two or more
    happen by chance with probability <= 3 x 0.05**2 = 0.7 %, so a change of the
    simulator's random streams does not turn this red, while a gate that flags noise
    more often than not still does."""
    base = write_yaml("small.yaml", small_dict())
    baseline = tmp_path / "baseline.json"
    main(["baseline", str(base), "-o", str(baseline), "--replications", "5", "--workers", "1",
          "--quiet"])
    flagged = []
    for seed in (8, 9, 10):
        noisy = write_yaml("noisy.yaml", small_dict(seed=seed))
        code = main(["check", str(noisy), "--baseline", str(baseline), "--replications",
                     "5", "--workers", "1", "--quiet"])
        assert code in (0, 1)  # passed, or flagged a regression (2 would be an error)
        if code:
            flagged.append(seed)
    assert len(flagged) <= 1, f"noise flagged as a regression for seeds {flagged}"


def test_baseline_for_another_scenario_is_a_clear_error(write_yaml, tmp_path, capsys):
    """A baseline without the checked scenario says which scenarios it has."""
    baseline = tmp_path / "baseline.json"
    main(["baseline", str(write_yaml("small.yaml", small_dict())), "-o", str(baseline),
          "--replications", "2", "--workers", "1", "--quiet"])
    other = write_yaml("other.yaml", small_dict(name="other"))
    assert main(["check", str(other), "--baseline", str(baseline), "--replications", "2",
                 "--workers", "1"]) == 2
    assert "no baseline for scenario 'other' (it has: small)" in capsys.readouterr().err


def test_pytest_plugin_is_registered_by_entry_point(pytestconfig):
    """pytest loads the plugin through the pytest11 entry point named omsim."""
    import sim.experiments.pytest_plugin

    assert pytestconfig.pluginmanager.get_plugin("omsim") is sim.experiments.pytest_plugin


def test_omsim_fixture_gives_estimates(omsim, write_yaml):
    """The omsim fixture runs replications; every leaf is an Estimate with bounds."""
    r = omsim.run(write_yaml("small.yaml", small_dict()), replications=3)
    rate = r.fallout.rate
    assert rate.lower <= rate.mean <= rate.upper and rate.n == 3
    assert r["fallout.by_cause.address_not_found"].mean > 0


def test_users_write_tests_with_the_fixture(pytester):
    """A user's test file using the fixture passes or fails on the estimate it asserts
    (a pytest session of its own, in this process: the plugin comes by entry point)."""
    pytester.makefile(".yaml", x=yaml.safe_dump(small_dict()))
    pytester.makepyfile(test_user=(
        "def test_fallout_low(omsim):\n"
        "    r = omsim.run('x.yaml', replications=3)\n"
        "    assert r.fallout.rate.upper < 0.5\n\n"
        "def test_fallout_tiny(omsim):\n"
        "    r = omsim.run('x.yaml', replications=3)\n"
        "    assert r.fallout.rate.upper < 0.001\n"))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--omsim-workers", "1")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_fallout_tiny*"])
