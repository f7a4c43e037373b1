"""The HTML report: self-contained, every section present, renders in headless Chromium."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from wfm.html_report import SECTIONS, ReportInputs, render_report, write_report


def small_inputs() -> ReportInputs:
    idx = pd.date_range("2025-11-03", periods=14 * 48, freq="30min", tz="Asia/Shanghai")
    rng = np.random.default_rng(0)
    history = pd.DataFrame({"interval_start": idx, "offered": rng.poisson(40, idx.size)})
    fidx = idx + pd.Timedelta(days=14)
    forecast = pd.DataFrame({"interval_start": fidx, "offered": 40.0, "offered_lower": 30.0,
                             "offered_upper": 50.0})
    req = rng.integers(0, 20, fidx.size)
    coverage = pd.DataFrame({"interval_start": fidx, "required_agents": req,
                             "scheduled_agents": req + rng.integers(-2, 4, fidx.size),
                             "service_level": rng.uniform(0.6, 1.0, fidx.size)})
    starts = pd.date_range("2025-11-17 08:00", periods=10, freq="D", tz="Asia/Shanghai")
    roster = pd.DataFrame({
        "agent_id": [f"A{i % 5:03d}" for i in range(10)],
        "contract": ["5-on-2"] * 6 + ["1-on-1"] * 4,
        "shift_start": starts, "shift_end": starts + pd.Timedelta(hours=8),
    })
    cost = pd.DataFrame({"contract": ["5-on-2", "1-on-1"], "agents": [3, 2],
                         "paid_hours": [240.0, 186.0], "cost": [8400.0, 5600.0]})
    comparison = pd.DataFrame({"figure": ["scheduled_agent_hours"], "unit": ["agent-hours"],
                               "base": [100.0], "more": [115.0], "more - base": [15.0]})
    # a real (small) simulation of the roster: 10 one-agent shifts over two
    # days of 40 calls per half hour, so most days miss the targets
    from wfm.simulate import simulate_roster
    from wfm.simulate.outputs import service_summary
    from wfm.staffing import ServiceTargets

    sim = simulate_roster(roster.assign(contract="five_two"), forecast.assign(interval_min=30, aht_s=60.0),
                          replications=4, seed=1, patience_s=120.0)
    service = service_summary(sim, ServiceTargets(0.8, 20.0, max_asa_s=20.0, max_abandon=0.05))
    return ReportInputs(scenario="test <&> plan", description="a \"quoted\" <b>scenario</b>",
                        headline={"planned_service_level": 0.85, "scheduled_agent_hours": 1234.5},
                        history=history, forecast=forecast, coverage=coverage, roster=roster,
                        cost=cost, comparison=comparison, time_zone="Asia/Shanghai",
                        service=service, simulated=sim.intervals)


def test_report_is_self_contained_with_every_section(tmp_path):
    text = render_report(small_inputs())
    for sid in SECTIONS:
        assert f'<section id="{sid}">' in text
    # Nothing fetched from elsewhere: no scripts, no external sources or links.
    assert "<script" not in text
    assert not re.search(r'(src|href)="(?!data:)', text)
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 5  # forecast, coverage, service, roster, cost
    for b64 in images:
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    # User text is escaped, never interpreted as markup.
    assert "test &lt;&amp;&gt; plan" in text and "<b>scenario</b>" not in text
    assert "85.00 %" in text and "1,234" in text
    # the simulated service leads, with a sentence and the missed days in red
    assert text.index('id="truth"') < text.index('id="headline"')
    assert "The roster delivers" in text and "days miss a target" in text
    assert text.count('<tr class="miss">') == sum(not d["meets_targets"] for d in small_inputs().service["days"]) > 0


def test_report_without_a_roster_says_so():
    inp = ReportInputs(scenario="s", history=small_inputs().history)
    text = render_report(inp)
    for sid in SECTIONS:
        assert f'<section id="{sid}">' in text
    assert text.count("No roster.") == 4


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                    "(Debian package `chromium`); see README 'Checking the report'")
def test_report_renders_in_headless_chromium(tmp_path):
    from PIL import Image

    path = tmp_path / "report.html"
    write_report(small_inputs(), path)
    profile = tmp_path / "profile"
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                          path.as_uri()], capture_output=True, text=True, timeout=120).stdout
    for sid in SECTIONS:
        assert f'id="{sid}"' in dom
    # Headless Chromium does not reliably scroll to #anchors, so each section is
    # rendered on a page of its own (same head and styles) and must show content.
    text = path.read_text(encoding="utf-8")
    head, body = text.split("<body>", 1)
    shots = {}
    for sid in SECTIONS:
        match = re.search(rf'<section id="{sid}">.*?</section>', body, flags=re.S)
        assert match, sid
        page = tmp_path / f"{sid}.html"
        page.write_text(f"{head}<body>{match.group(0)}</body></html>", encoding="utf-8")
        png = tmp_path / f"{sid}.png"
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
                        "--window-size=1200,900", page.as_uri()],
                       capture_output=True, timeout=120, check=True)
        img = np.asarray(Image.open(png).convert("L"), dtype=float)
        assert img.std() > 5, f"section {sid} rendered blank"
        shots[sid] = img
    assert len({s.tobytes() for s in shots.values()}) == len(SECTIONS)
    # The whole report renders too, and is long enough to hold every section.
    full = tmp_path / "full.png"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={full}",
                    "--window-size=1200,5000", path.as_uri()],
                   capture_output=True, timeout=120, check=True)
    img = np.asarray(Image.open(full).convert("L"), dtype=float)
    inked = np.flatnonzero((img < 200).any(axis=1))
    assert inked.size and inked.max() > 2000
