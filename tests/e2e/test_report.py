"""`automl report` on a real run: one self-contained HTML file that headless Chromium
renders without console errors, with the leaderboard and the plots on screen."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from tests.conftest import run_automl

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(penguins_run, penguins_exclusive, tmp_path_factory):
    output, _ = penguins_run
    target = tmp_path_factory.mktemp("report") / "report.html"
    with penguins_exclusive():  # not while test_pipeline reruns into the same output
        result = run_automl("report", "--output", str(output), "--to", str(target))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Report {target}" in " ".join(result.stdout.split())
    return target


def test_the_report_is_one_self_contained_file(report):
    page = report.read_text()
    for section in ("Outcome", "Leaderboard", "Anytime performance", "Feature importance",
                    "Lineage", "blessed"):  # fmt: skip
        assert section in page
    # anytime, learning curves, feature importance; the test split's confusion matrix, ROC,
    # precision-recall and calibration
    assert page.count("<svg") >= 7
    test_split = page[page.index("<h2>On the test split</h2>") : page.index("<h2>Data</h2>")]
    for plot in ("Confusion matrix", "ROC curve", "Precision-recall curve", "Calibration"):
        assert plot in test_split
    assert "micro-averaged over the classes" in test_split  # penguins have three
    for species in ("Adelie", "Chinstrap", "Gentoo"):  # the axes name the classes
        assert species in test_split
    assert not re.search(r"(src|href)=\"https?://", page)  # nothing fetched when opened
    assert "val_loss" in page and "latency (ms / 1,000 rows)" in page  # labelled, with units
    board = page[page.index("<th>trial</th><th>rung</th>") :].split("</table>")[0]
    rungs = [int(r) for r in re.findall(r"<tr[^>]*><td>\d+</td><td>(\d+)</td>", board)]
    assert rungs and rungs == sorted(rungs, reverse=True)  # the highest rung's trials first
    assert "No data problems found in the training split." in page  # penguins are clean
    assert "<h2>Data</h2>" in page and " train, " in page  # rows per split
    for column in ("bill_length_mm", "island", "species"):
        assert f"<td>{column}</td>" in page


def test_a_missing_run_is_one_line_and_exit_2(tmp_path):
    result = run_automl("report", "--output", str(tmp_path / "nothing"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: no run recorded under {tmp_path / 'nothing'} (no metadata.sqlite)"
    ]


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (make test-tools installs it)")
def test_chromium_renders_the_leaderboard_and_plots_without_console_errors(report, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--window-size=1200,2400"]  # fmt: skip
    rendered = subprocess.run(
        [*common, "--enable-logging=stderr", "--v=0", "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    assert "CONSOLE" not in rendered.stderr, rendered.stderr  # no script or resource errors
    dom = rendered.stdout
    assert "<table" in dom and dom.count("<svg") >= 3
    shooting = subprocess.run(
        [*common, f"--screenshot={shot}", report.as_uri()], capture_output=True, timeout=120
    )
    assert shooting.returncode == 0 and shot.exists()
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    top, plots = pixels[:600], pixels[600:1600]  # header and leaderboard, then the plots
    assert top.std() > 10 and plots.std() > 10  # drawn, not blank
    assert (plots < 128).mean() > 0.005  # axes, labels and curves in dark ink
