"""The HTML report: self-contained, every plot present and not blank."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import numpy as np
from matplotlib import image

from sim.cli import main
from tests.conftest import small_dict

PLOTS = ["Fallout by cause", "Fallout by layer", "Throughput and fallout per day",
         "Cycle time distribution", "Utilisation over time", "Backlogs"]


class _Page(HTMLParser):
    """Collects the images, the external references and the table cells of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.external: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
        for key in ("src", "href"):
            if a.get(key) and not a[key].startswith("data:"):
                self.external.append(a[key])
        self._in_cell = tag == "td"

    def handle_data(self, data):
        if self._in_cell:
            self.cells.append(data)
            self._in_cell = False


def test_report_has_every_plot_and_the_summary_table(write_yaml, tmp_path):
    """omsim report renders each plot as a non-blank embedded PNG, plus the CI table."""
    scenario = write_yaml("small.yaml", small_dict())
    run_dir, html = tmp_path / "run", tmp_path / "report.html"
    assert main(["run", str(scenario), "--replications", "2", "--workers", "1", "--quiet",
                 "--out-dir", str(run_dir)]) == 0
    assert main(["report", str(run_dir), "-o", str(html)]) == 0
    page = _Page()
    page.feed(html.read_text())
    assert [img["alt"] for img in page.images] == PLOTS
    assert page.external == []  # self-contained: opens from a CI artefact, offline
    for img in page.images:
        assert img["src"].startswith("data:image/png;base64,")
        pixels = image.imread(io.BytesIO(base64.b64decode(img["src"].split(",", 1)[1])))
        height, width = pixels.shape[:2]
        assert width >= 400 and height >= 200, img["alt"]
        # Not blank: a plot has ink (non-white pixels) in more than a sliver of the area.
        ink = np.any(pixels[..., :3] < 0.9, axis=-1).mean()
        assert ink > 0.02, f"{img['alt']}: only {ink:.1%} of the image is drawn"
    assert "fallout.rate" in page.cells and "cycle_time_hours.p90" in page.cells


def test_report_of_a_missing_run_directory_is_a_clear_error(tmp_path, capsys):
    """Pointing report at a directory without a run says how to make one."""
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "r.html")]) == 2
    assert "not a run directory" in capsys.readouterr().err
