"""What a simulation tells the planner: its figures against the targets, and
its files.

:func:`service_summary` is the ``"service"`` block of a plan's
``summary.json`` (and of ``wfm simulate``'s): the method and its settings,
the targets, the overall figures with 95 % intervals, every day with
whether it meets each target, and whether the whole horizon does. A target
is met when the point estimate meets it; ``certain`` says whether the whole
95 % interval does too.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

__all__ = ["service_summary", "write_simulation", "missed_days", "headline_sentence", "service_lines"]


def _f(x):
    x = float(x)
    return None if not math.isfinite(x) else x


def _checks(row, targets) -> dict:
    """Per target: met (point estimate) and certain (the 95 % interval)."""
    out = {}
    if targets.service_level is not None and _f(row["service_level"]) is not None:
        out["service_level"] = (row["service_level"] >= targets.service_level - 1e-12,
                                row["service_level_lo"] >= targets.service_level - 1e-12)
    if targets.max_asa_s is not None and _f(row["asa_s"]) is not None:
        out["asa_s"] = (row["asa_s"] <= targets.max_asa_s + 1e-12, row["asa_s_hi"] <= targets.max_asa_s + 1e-12)
    if targets.max_abandon is not None and _f(row["abandon_rate"]) is not None:
        out["abandon_rate"] = (row["abandon_rate"] <= targets.max_abandon + 1e-12,
                               row["abandon_rate_hi"] <= targets.max_abandon + 1e-12)
    return out


def _figures(row) -> dict:
    return {"service_level": _f(row["service_level"]),
            "service_level_ci95": [_f(row["service_level_lo"]), _f(row["service_level_hi"])],
            "asa_s": _f(row["asa_s"]), "asa_s_ci95": [_f(row["asa_s_lo"]), _f(row["asa_s_hi"])],
            "abandon_rate": _f(row["abandon_rate"]),
            "abandon_rate_ci95": [_f(row["abandon_rate_lo"]), _f(row["abandon_rate_hi"])],
            "occupancy": _f(row["occupancy"]), "offered": _f(row["offered"])}


def service_summary(result, targets) -> dict:
    """The ``"service"`` block (module docstring). ``result``: a
    :class:`wfm.simulate.SimulationResult`; ``targets``: a
    :class:`wfm.staffing.ServiceTargets` (targets set to None are not judged)."""
    st = result.settings
    overall = result.overall.iloc[0]
    checks = _checks(overall, targets)
    days = []
    for r in result.days.itertuples(index=False):
        row = r._asdict()
        if not row["offered"] > 0:
            continue
        c = _checks(row, targets)
        days.append({"date": str(row["date"]), **_figures(row),
                     "meets_targets": all(m for m, _ in c.values()),
                     "missed": [k for k, (m, _) in c.items() if not m]})
    return {
        "method": st["method"], "replications": st["replications"], "seed": st["seed"],
        "absence_rate": st["absence_rate"], "patience_s": st["patience_s"], "handle_times": st["handle_times"],
        "day_volume_sd": st["day_volume_sd"],
        "targets": {"service_level": targets.service_level, "target_s": targets.target_s,
                    "asa_s": targets.max_asa_s, "abandon_rate": targets.max_abandon},
        "overall": {**_figures(overall),
                    "met": {k: bool(m) for k, (m, _) in checks.items()},
                    "certain": {k: bool(c) for k, (_, c) in checks.items()}},
        "days": days,
        "days_missing_targets": sum(1 for d in days if not d["meets_targets"]),
        "meets_targets": all(m for m, _ in checks.values()) and all(d["meets_targets"] for d in days),
    }


def missed_days(service: dict) -> list[dict]:
    """The days of a ``"service"`` block that miss a target, worst service first."""
    bad = [d for d in service["days"] if not d["meets_targets"]]
    return sorted(bad, key=lambda d: (d["service_level"] if d["service_level"] is not None else -1.0))


def headline_sentence(service: dict) -> str:
    """One sentence for people: what the roster delivers, how sure, what it misses."""
    o, t = service["overall"], service["targets"]
    parts = []
    if o["service_level"] is not None:
        lo, hi = o["service_level_ci95"]
        parts.append(f"{o['service_level']:.1%} of calls answered within {t['target_s']:g} s "
                     f"(95 % interval {lo:.1%}-{hi:.1%})")
    if o["abandon_rate"] is not None:
        parts.append(f"{o['abandon_rate']:.2%} abandoned")
    if o["asa_s"] is not None:
        parts.append(f"ASA {o['asa_s']:.1f} s")
    text = "The roster delivers " + ", ".join(parts) + f" over {service['replications']} simulated replications"
    text += f" with {service['absence_rate']:.0%} of agent-shifts absent. "
    missed = [k for k, m in o["met"].items() if not m]
    names = {"service_level": "the service-level target", "asa_s": "the ASA target",
             "abandon_rate": "the abandonment target"}
    if missed:
        text += "Overall it misses " + " and ".join(names[k] for k in missed) + ". "
    else:
        text += "Overall it meets every target. "
    bad = missed_days(service)
    if bad:
        worst = bad[0]
        text += (f"{len(bad)} of {len(service['days'])} days miss a target; the worst, {worst['date']}, "
                 f"answers {worst['service_level']:.1%} within target with {worst['abandon_rate']:.1%} abandoned.")
    else:
        text += "Every day meets every target."
    return text


def write_simulation(result, out_dir, *, service: dict | None = None) -> dict:
    """``intervals.csv``, ``days.csv`` and ``summary.json`` (the settings and,
    when given, the ``service`` block) into ``out_dir``, atomically. Returns
    the paths."""
    from wfm.io import iso_timestamps, write_csv, write_json

    out = Path(out_dir)
    days = result.days.assign(date=pd.to_datetime(result.days["date"]).dt.strftime("%Y-%m-%d"))
    paths = {"intervals": write_csv(iso_timestamps(result.intervals), out / "intervals.csv"),
             "days": write_csv(days, out / "days.csv"),
             "summary": write_json({"settings": result.settings, "service": service,
                                    "units": {"asa_s": "seconds", "rates": "fractions of offered calls",
                                              "arrivals": "calls per replication (mean)",
                                              "ci": "95 % confidence interval over replications"}},
                                   out / "summary.json")}
    return {k: str(v) for k, v in paths.items()}


def service_lines(service: dict, *, worst_days: int = 3) -> list[str]:
    """The ``"service"`` block as lines for a terminal: each target with the
    simulated figure, its 95 % interval and met / MISSED, then the days that
    miss, worst first."""
    o, t = service["overall"], service["targets"]
    lines = [f"the roster's service (simulated: {service['replications']} replications, "
             f"{service['absence_rate']:.0%} of agent-shifts absent):"]
    rows = (("service_level", f"service level (<= {t['target_s']:g} s)", "{:.1%}", ">=", t["service_level"]),
            ("asa_s", "ASA", "{:.1f} s", "<=", t["asa_s"]),
            ("abandon_rate", "abandonment", "{:.2%}", "<=", t["abandon_rate"]))
    for key, label, fmt, op, goal in rows:
        v = o[key]
        if v is None:
            continue
        lo, hi = o[f"{key}_ci95"]
        ci = f"({fmt.format(lo)}-{fmt.format(hi)})" if lo is not None and hi is not None else ""
        verdict = "" if goal is None else (
            f"target {op} {fmt.format(goal)}  " + ("met" if o["met"].get(key, True) else "MISSED"))
        lines.append(f"  {label:<24}{fmt.format(v):>8} {ci:<19} {verdict}")
    bad = missed_days(service)
    if bad:
        worst = "; ".join(f"{d['date']} SL {d['service_level']:.1%}, abandoned {d['abandon_rate']:.1%}"
                          for d in bad[:worst_days])
        lines.append(f"  days missing a target: {len(bad)} of {len(service['days'])}; worst: {worst}")
    else:
        lines.append(f"  every one of the {len(service['days'])} days meets every target")
    return lines
