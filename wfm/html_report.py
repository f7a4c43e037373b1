"""A self-contained HTML report a planner can read without opening a CSV.

One file, plots embedded as PNG (matplotlib, Agg backend), no scripts, no
external assets. Sections (each an ``<section id=...>``, so tests and
bookmarks can find them):

============  ===============================================================
headline      the scenario's headline figures
forecast      offered contacts per day: history, forecast and its bounds
coverage      heatmap over the horizon: scheduled minus required agents
roster        Gantt of the roster by agent (first weeks, first 60 agents)
service       planned service level per interval against the target
cost          paid hours, cost and FTE by contract
comparison    the side-by-side table of ``wfm compare`` (when there is one)
============  ===============================================================

Every plotting function takes DataFrames with the documented columns and
returns a base64 PNG, so it can be called and tested on its own.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

SECTIONS = ("truth", "headline", "forecast", "coverage", "roster", "service", "cost", "comparison")


@dataclass(frozen=True)
class ReportInputs:
    """What the report shows; any table may be None (its section says so).

    history, forecast: interval tables (``interval_start``, ``offered``; the
    forecast may carry ``offered_lower``/``offered_upper``).
    coverage: ``interval_start``, ``required_agents``, ``scheduled_agents``,
    ``service_level``. roster: a :class:`wfm.roster.table.Roster` (or a
    table of ``agent_id``, ``contract``, ``shift_start``, ``shift_end``). cost: one row per contract with ``contract``,
    ``agents``, ``paid_hours``, ``cost``. comparison: the table of
    :func:`wfm.compare.comparison_table`.
    """

    scenario: str
    description: str = ""
    headline: dict | None = None
    history: pd.DataFrame | None = None
    forecast: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None
    roster: object | None = None
    cost: pd.DataFrame | None = None
    service_target: float | None = 0.8
    comparison: pd.DataFrame | None = None
    comparison_names: tuple = ()
    time_zone: str = ""
    #: the roster's simulated service: the ``"service"`` block of summary.json
    service: dict | None = None
    #: its interval table (:attr:`wfm.simulate.SimulationResult.intervals`)
    simulated: pd.DataFrame | None = None


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _daily(df: pd.DataFrame, cols) -> pd.DataFrame:
    day = df["interval_start"].dt.tz_localize(None).dt.normalize()
    return df.assign(day=day).groupby("day")[list(cols)].sum()


def plot_forecast(history: pd.DataFrame, forecast: pd.DataFrame | None) -> str:
    """Offered contacts per day: the last 8 weeks of history and the forecast."""
    fig, ax = plt.subplots(figsize=(11, 3.6))
    h = _daily(history, ["offered"])
    h = h[h.index >= h.index.max() - pd.Timedelta(days=56)]
    ax.plot(h.index, h["offered"], color="#444", lw=1.4, label="history")
    if forecast is not None and len(forecast):
        cols = [c for c in ("offered", "offered_lower", "offered_upper") if c in forecast.columns]
        f = _daily(forecast, cols)
        ax.plot(f.index, f["offered"], color="#1f77b4", lw=1.8, label="forecast")
        if "offered_lower" in f and "offered_upper" in f:
            ax.fill_between(f.index, f["offered_lower"], f["offered_upper"], color="#1f77b4",
                            alpha=0.2, label="forecast interval (sum of interval bounds)")
    ax.set_ylabel("offered contacts per day")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return _png(fig)


def plot_coverage_heatmap(coverage: pd.DataFrame) -> str:
    """Scheduled minus required agents per interval: days down, time of day across."""
    c = coverage.assign(
        gap=coverage["scheduled_agents"] - coverage["required_agents"],
        day=coverage["interval_start"].dt.tz_localize(None).dt.normalize(),
        clock=coverage["interval_start"].dt.strftime("%H:%M"),
    )
    grid = c.pivot_table(index="day", columns="clock", values="gap", aggfunc="sum")
    lim = max(1.0, float(np.nanmax(np.abs(grid.to_numpy()))))
    fig, ax = plt.subplots(figsize=(11, max(3.0, 0.22 * len(grid) + 1.2)))
    im = ax.imshow(grid.to_numpy(), aspect="auto", cmap="RdBu", vmin=-lim, vmax=lim,
                   interpolation="nearest")
    step = max(1, len(grid.columns) // 12)
    ax.set_xticks(range(0, len(grid.columns), step), grid.columns[::step], fontsize=8)
    ax.set_yticks(range(len(grid)), [d.strftime("%a %m-%d") for d in grid.index], fontsize=7)
    fig.colorbar(im, ax=ax, label="scheduled - required agents (red: short)")
    return _png(fig)


def plot_roster_gantt(roster, max_agents: int = 60, days: int = 14) -> str:
    """One row per agent, one bar per shift, coloured by contract
    (``roster``: a :class:`wfm.roster.table.Roster` or a table of shifts)."""
    from wfm.roster.table import Roster

    shifts = roster.shifts if isinstance(roster, Roster) else roster
    r = shifts.dropna(subset=["shift_start", "shift_end"]).copy()
    r["shift_start"] = pd.to_datetime(r["shift_start"])
    r["shift_end"] = pd.to_datetime(r["shift_end"])
    first = r["shift_start"].min()
    r = r[r["shift_start"] < first + pd.Timedelta(days=days)]
    agents = sorted(r["agent_id"].unique())[:max_agents]
    r = r[r["agent_id"].isin(agents)]
    colours = {c: plt.cm.tab10(i) for i, c in enumerate(sorted(r["contract"].unique()))}
    fig, ax = plt.subplots(figsize=(11, max(3.0, 0.16 * len(agents) + 1.2)))
    row = {a: i for i, a in enumerate(agents)}
    for contract, g in r.groupby("contract"):
        start_h = (g["shift_start"] - first).dt.total_seconds() / 3600
        length_h = (g["shift_end"] - g["shift_start"]).dt.total_seconds() / 3600
        ax.barh([row[a] for a in g["agent_id"]], length_h, left=start_h, height=0.7,
                color=colours[contract], label=contract)
    ax.set_yticks(range(len(agents)), agents, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel(f"hours from {first:%Y-%m-%d %H:%M}")
    ax.set_xticks(np.arange(0, 24 * days + 1, 24))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    return _png(fig)


def plot_service_level(coverage: pd.DataFrame, target: float | None, simulated: pd.DataFrame | None = None) -> str:
    """Service level per interval against the target: simulated (with its
    95 % interval) where a simulation ran, the analytic judgement beside it."""
    fig, ax = plt.subplots(figsize=(11, 3.2))
    busy = coverage[coverage["required_agents"] > 0]
    if simulated is not None and len(simulated):
        sim = simulated[simulated["offered"] > 0]
        t = sim["interval_start"].dt.tz_localize(None)
        ax.fill_between(t, sim["service_level_lo"], sim["service_level_hi"], color="#1f77b4", alpha=0.25, lw=0,
                        step="mid", label="simulated, 95 % interval")
        ax.plot(t, sim["service_level"], ".", ms=2.5, color="#1f77b4", label="simulated service level")
    ax.plot(busy["interval_start"].dt.tz_localize(None), busy["service_level"], ".", ms=1.5,
            color="#2ca02c", alpha=0.6, label="analytic (Erlang), expected attendance")
    if target is not None:
        ax.axhline(target, color="#d62728", lw=1.2, label=f"target {target:.0%}")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("answered within target")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    return _png(fig)


def plot_cost(cost: pd.DataFrame) -> str:
    """Agents and cost by contract."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.0))
    a1.bar(cost["contract"], cost["agents"], color="#1f77b4")
    a1.set_ylabel("agents (FTE)")
    a2.bar(cost["contract"], cost["cost"], color="#ff7f0e")
    a2.set_ylabel("cost over the horizon")
    for ax in (a1, a2):
        ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def _table_html(df: pd.DataFrame) -> str:
    return df.to_html(index=False, border=0, classes="t", na_rep="-",
                      float_format=lambda v: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.4g}",
                      escape=True)


def _img(b64: str, alt: str) -> str:
    # Width and height from the PNG header keep the layout fixed before the
    # image decodes, so links to a section land on it.
    head = base64.b64decode(b64[:44])
    w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return (f'<img alt="{html.escape(alt)}" width="{w}" height="{h}" '
            f'src="data:image/png;base64,{b64}">')


def render_report(inp: ReportInputs) -> str:
    """The report as one HTML string (write it with :func:`write_report`)."""
    parts = []

    def section(sid, title, body):
        parts.append(f'<section id="{sid}"><h2>{html.escape(title)}</h2>{body}</section>')

    if inp.service:
        from wfm.simulate.outputs import headline_sentence

        t = inp.service["targets"]
        cells = []
        for d in inp.service["days"]:
            cls = ' class="miss"' if not d["meets_targets"] else ""
            cells.append(f"<tr{cls}><td>{html.escape(d['date'])}</td><td>{_fmt('service_level', d['service_level'])}"
                         f"</td><td>{_fmt('asa_s', d['asa_s'])}</td><td>{_fmt('abandon_rate', d['abandon_rate'])}"
                         f"</td><td>{html.escape(', '.join(d['missed']) or 'all met')}</td></tr>")
        goals = (f"targets: service level {_fmt('service_level', t['service_level'])} within {t['target_s']:g} s, "
                 f"ASA {_fmt('asa_s', t['asa_s'])} s, abandonment {_fmt('abandon_rate', t['abandon_rate'])}")
        section("truth", "What the roster delivers (simulated)",
                f'<p class="truth">{html.escape(headline_sentence(inp.service))}</p>'
                f"<p>{html.escape(goals)}. Days that miss a target are red.</p>"
                '<table class="t"><tr><th>day</th><th>service level</th><th>ASA (s)</th><th>abandoned</th>'
                "<th>missed</th></tr>" + "".join(cells) + "</table>")
    else:
        section("truth", "What the roster delivers (simulated)",
                "<p>Not simulated: there is no roster to simulate.</p>")
    if inp.headline:
        rows = "".join(
            f"<tr><th>{html.escape(_LABELS.get(k, k.replace('_', ' ')))}</th>"
            f"<td>{_fmt(k, v)}</td></tr>" for k, v in inp.headline.items())
        section("headline", "Headline figures", f'<table class="t">{rows}</table>')
    else:
        section("headline", "Headline figures", "<p>No figures.</p>")

    if inp.history is not None:
        section("forecast", "Forecast against history",
                _img(plot_forecast(inp.history, inp.forecast), "forecast against history"))
    else:
        section("forecast", "Forecast against history", "<p>No history.</p>")

    if inp.coverage is not None and len(inp.coverage):
        section("coverage", "Requirement against scheduled coverage",
                "<p>Each cell is one interval: blue where more agents are scheduled (net of "
                "breaks and meals) than required, red where the roster is short.</p>"
                + _img(plot_coverage_heatmap(inp.coverage), "coverage heatmap"))
        if "service_level" in inp.coverage.columns:
            section("service", "Service level per interval",
                    _img(plot_service_level(inp.coverage, inp.service_target, inp.simulated),
                         "service level per interval"))
        else:
            section("service", "Planned service level per interval", "<p>Not computed.</p>")
    else:
        section("coverage", "Requirement against scheduled coverage", "<p>No roster.</p>")
        section("service", "Planned service level per interval", "<p>No roster.</p>")

    if inp.roster is not None and len(inp.roster):
        section("roster", "Roster by agent",
                _img(plot_roster_gantt(inp.roster), "roster gantt"))
    else:
        section("roster", "Roster by agent", "<p>No roster.</p>")

    if inp.cost is not None and len(inp.cost):
        section("cost", "Cost and FTE by contract",
                _table_html(inp.cost) + _img(plot_cost(inp.cost), "cost by contract"))
    else:
        section("cost", "Cost and FTE by contract", "<p>No roster.</p>")

    if inp.comparison is not None and len(inp.comparison):
        section("comparison", "Scenario comparison", _table_html(inp.comparison))
    else:
        section("comparison", "Scenario comparison",
                "<p>Single scenario; run <code>wfm compare</code> to compare.</p>")

    tz = f" Times are local ({html.escape(inp.time_zone)})." if inp.time_zone else ""
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>wfm plan: {html.escape(inp.scenario)}</title><style>{_CSS}</style></head><body>"
        f"<h1>Plan: {html.escape(inp.scenario)}</h1><p>{html.escape(inp.description)}{tz}</p>"
        + "".join(parts) + "</body></html>"
    )


_LABELS = {
    "simulated_service_level": "simulated service level (the roster, with absence)",
    "simulated_service_level_lo": "its 95 % interval, from",
    "simulated_service_level_hi": "its 95 % interval, to",
    "simulated_asa_s": "simulated ASA (s)",
    "simulated_abandon_rate": "simulated abandon rate",
    "simulated_occupancy": "simulated occupancy",
    "meets_targets": "meets every target, every day (simulated)",
    "days_missing_targets": "days missing a target (simulated)",
    "planned_service_level": "requirement: service level (staffing.csv)",
    "planned_abandon_rate": "requirement: abandon rate (staffing.csv)",
    "planned_occupancy": "requirement: occupancy (staffing.csv)",
    "planned_asa_s": "requirement: ASA (s) (staffing.csv)",
    "rostered_asa_s": "rostered ASA (s), at expected attendance",
    "rostered_service_level": "rostered service level, at expected attendance",
    "rostered_abandon_rate": "rostered abandon rate, at expected attendance",
    "cost_cny": "cost over the horizon (CNY)",
    "paid_hours": "paid hours over the horizon",
    "roster_gap_to_bound": "roster cost above the solver's bound",
    "understaffed_intervals": "intervals the roster leaves short",
    "required_agent_hours": "required agent-hours (on the phones)",
    "scheduled_agent_hours": "scheduled agent-hours (after shrinkage)",
    "forecast_interval_accuracy": "forecast accuracy per interval (backtest, 1 - WAPE)",
    "forecast_day_accuracy": "forecast accuracy per day (backtest, 1 - WAPE)",
}


def _fmt(key: str, v) -> str:
    if v is None:
        return "-"
    if isinstance(v, list | tuple):
        return " - ".join(_fmt(key, x) for x in v)
    if isinstance(v, float):
        if any(w in key for w in ("service_level", "rate", "occupancy", "accuracy", "wape", "gap")):
            return f"{100 * v:.2f} %"
        return f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}"
    return html.escape(str(v))


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:24px} h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
table.t{border-collapse:collapse;font-size:13px} .t th,.t td{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
.t th:first-child,.t td:first-child{text-align:left} img{max-width:100%;height:auto}
tr.miss td{color:#b00020;font-weight:600} p.truth{font-size:16px;background:#f4f6fa;padding:10px;border-left:4px solid #1f77b4}
"""


def write_report(inp: ReportInputs, path) -> None:
    """Render and write the report atomically."""
    from wfm.io import write_atomic

    text = render_report(inp)
    write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
