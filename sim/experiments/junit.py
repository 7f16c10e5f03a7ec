"""JUnit XML of a CI gate's verdicts, for any CI's test view: one test suite per
scenario, one test case per gate (a threshold, or a metric compared with its baseline),
a failure for each gate that failed; an inconclusive one passes and says so."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.experiments.thresholds import ThresholdResult
from sim.files import write_text
from sim.stats.estimates import level_percent

if TYPE_CHECKING:
    from sim.experiments.gate import CheckResult


def junit_xml(suite_name: str, results: list[ThresholdResult]) -> str:
    """JUnit XML for CI: one testcase per threshold, a failure for each "fail" verdict."""
    failures = sum(1 for r in results if r.verdict == "fail")
    suite = ET.Element("testsuite", name=suite_name, tests=str(len(results)),
                       failures=str(failures), errors="0", skipped="0")
    for r in results:
        case = ET.SubElement(suite, "testcase", name=r.threshold.text, classname=suite_name)
        detail = _describe(r)
        if r.verdict == "fail":
            failure = ET.SubElement(case, "failure", message=detail, type="threshold")
            failure.text = detail
        else:
            # Inconclusive counts as passing, but CI logs should still say so.
            ET.SubElement(case, "system-out").text = f"{r.verdict}: {detail}"
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _describe(r: ThresholdResult) -> str:
    e, t = r.estimate, r.threshold
    return (f"{t.metric} mean {e.mean:.6g} ({level_percent(e.level)}% CI {e.low:.6g} .. "
            f"{e.high:.6g}, n={e.n}); limit {t.op} {t.limit:g}; margin {r.margin:+.6g}")


def write_junit(path: Path, results: Sequence[CheckResult]) -> None:
    """One JUnit test suite per scenario, one test case per gate."""
    suites = [junit_xml(r.scenario, r.cases()) for r in results]
    body = "".join(s.split("?>", 1)[1].lstrip("\n") if s.startswith("<?xml") else s
                   for s in suites)
    write_text(path, "<?xml version='1.0' encoding='utf-8'?>\n<testsuites>\n" + body
               + "</testsuites>\n")
