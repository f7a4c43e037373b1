"""A corpus of bad inputs, through the real `wfm` command line (CliRunner).

Every case is a user mistake: the command must exit with status 2 before
doing any work, say what is wrong with the option, key or file row (the
expected fragments), write nothing and show no traceback. The cases cover
every command and the three configuration files (scenario, shift catalogue,
scorecard scheme); each kind of check (a number out of range, NaN and inf,
an unknown choice, a missing or unreadable input, an output that cannot be
written, an unsafe name, a file naming something that does not exist) has
cases on several commands, so the checks are the same everywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wfm.cli import cli

DATA = Path(__file__).resolve().parent / "data"

GOOD_INTERVALS = ("queue,interval_start,offered,aht_s\n"
                  "q,2025-11-11T09:00,100,180\nq,2025-11-11T09:30,0,\nq,2025-11-11T10:00,250,200\n")
REQUIREMENTS = "interval_start,required_agents\n" + "".join(
    f"2025-11-10T{h:02d}:{m:02d},{2 + h % 3}\n" for h in range(8, 20) for m in (0, 30))
ROSTER = ("agent_id,contract,shift_start,shift_end,meal_start,meal_end,breaks\n"
          "A,5-on-2,2025-10-13T08:00,2025-10-13T17:00,12:00,13:00,\n"
          "B,5-on-2,2025-10-13T09:00,2025-10-13T18:00,,,09:30-09:45\n")
STATES = ("agent_id,state,start,end\nB,available,2025-10-13T09:00,2025-10-13T09:30\n"
          "B,break,2025-10-13T09:30,2025-10-13T09:45\n")
RESULTS = ("interval_start,offered,handled,abandoned\n2025-10-13T09:00,100,90,10\n"
           "2025-10-13T09:30,50,50,0\n")
FORECAST = "interval_start,offered,aht_s\n2025-10-13T09:00,110,180\n2025-10-13T09:30,40,180\n"
DIALS = "account_id,agent_id,outcome,talk_s\n1,B,sale,100\n2,B,busy,0\n"

FILES = {
    "good.csv": GOOD_INTERVALS,
    "old.xls": GOOD_INTERVALS,
    "big_offered.csv": "interval_start,offered,aht_s\n2025-11-11T09:00,1e308,180\n",
    "big_aht.csv": "interval_start,offered,aht_s\n2025-11-11T09:00,10,1e308\n",
    "inf_offered.csv": "interval_start,offered,aht_s\n2025-11-11T09:00,inf,180\n",
    "nul_queue.csv": "queue,interval_start,offered,aht_s\na\x00b,2025-11-11T09:00,10,180\n",
    "binary.csv": bytes(range(256)) * 8,
    "binary.toml": bytes(range(256)) * 8,
    "req.csv": REQUIREMENTS,
    "req_negative.csv": "interval_start,required_agents\n2025-11-10T08:00,-1\n2025-11-10T08:30,2\n",
    "roster.csv": ROSTER,
    "runs/rdir/roster.csv": ROSTER,
    "states.csv": STATES,
    "results.csv": RESULTS,
    "results_2026.csv": RESULTS.replace("2025-", "2026-"),
    "forecast.csv": FORECAST,
    "forecast_2026.csv": FORECAST.replace("2025-", "2026-"),
    "states_2026.csv": STATES.replace("2025-", "2026-"),
    "dials.csv": DIALS,
    "states_nul.csv": STATES.replace("B,available", "B\x00,available"),
    "a/roster.csv": ROSTER,
    "b/roster.csv": ROSTER,
    "agents_mongoose.csv": "id,contract,availability\nX,five_two,Mongoose-Fright 08:00-20:00\n",
    "agents_nan.csv": "id,contract,min_minutes\nX,five_two,nan\n",
    "agents_inf.csv": "id,contract,max_minutes\nX,five_two,inf\n",
    "agents_contract.csv": "id,contract\nX,five_tow\n",
    "bad_previous.csv": "agent_id,shift_start\nA,yesterday\n",
    "catalog_nan.toml": "[penalties]\nunder_per_agent_hour = nan\n",
    "catalog_rest.toml": (Path(__file__).resolve().parents[1] / "models" / "shifts.toml").read_text(
        encoding="utf-8").replace("min_rest_h = 11", "min_rest_h = 100", 1),
    "catalog_shift.toml": (Path(__file__).resolve().parents[1] / "models" / "shifts.toml").read_text(
        encoding="utf-8").replace('shift_types = ["day8"', 'shift_types = ["day9"', 1),
    "scheme_sum.toml": ('[[rule]]\nmethod = "target"\ncolumn = "adherence"\ntarget = 0.9\nweight = 0.5\n'
                        '[[rule]]\nmethod = "target"\ncolumn = "utilisation"\ntarget = 0.8\nweight = 0.2\n'),
    "scheme_nan.toml": ('[[rule]]\nmethod = "target"\ncolumn = "adherence"\ntarget = 0.9\nweight = nan\n'),
    "scheme_method.toml": ('[[rule]]\nmethod = "bandz"\ncolumn = "adherence"\nweight = 1\n'),
    "ok.toml": '[scenario]\nname = "ok"\n',
    "ok2.toml": '[scenario]\nname = "ok"\n',
    "scenario.txt": '[scenario]\nname = "t"\n',
    "empty/readme.txt": "no roster here\n",
    "plans/ok": "a file where the plan's folder goes\n",
}


# scenario files, written beside the files above (their paths are relative to them)
SCENARIOS = {
    "name_dotdot.toml": '[scenario]\nname = ".."\n',
    "name_dot.toml": '[scenario]\nname = "."\n',
    "name_nul.toml": '[scenario]\nname = "a\\u0000b"\n',
    "name_slash.toml": '[scenario]\nname = "a/b"\n',
    "name_reserved.toml": '[scenario]\nname = "CON"\n',
    "country.toml": '[forecast]\nholidays_country = "XX"\n',
    "country_typo.toml": '[forecast]\nholidays_country = "CNN"\n',
    "past_sample.toml": '[forecast]\nhorizon_start = "2001-01-01"\n',
    "past_file.toml": '[data]\nhistory = "good.csv"\n[forecast]\nhorizon_start = "2025-01-01"\n',
    "catalog_missing.toml": '[roster]\ncatalog = "nope.toml"\n',
    "catalog_bad.toml": '[roster]\ncatalog = "catalog_nan.toml"\n',
    "headcount_zero.toml": '[roster]\nheadcount = { five_two = 0, one_one = 0 }\n',
    "headcount_negative.toml": '[roster]\nheadcount = { five_two = -1 }\n',
    "headcount_unknown.toml": '[roster]\nheadcount = { fiv_two = 3 }\n',
    "mix_unknown.toml": '[roster]\ncontract_mix = { one_on_one = 0.5 }\n',
    "mix_sum.toml": '[roster]\ncontract_mix = { five_two = 0.7, one_one = 0.6 }\n',
    "agents_missing.toml": '[roster]\nagents = "nope.csv"\n',
    "agents_bad.toml": '[roster]\nagents = "agents_mongoose.csv"\n',
    "previous_missing.toml": '[roster]\nprevious_roster = "nope.csv"\n',
    "previous_bad.toml": '[roster]\nprevious_roster = "bad_previous.csv"\n',
    "interval7.toml": '[data]\ninterval_min = 7\n',
    "target_inf.toml": '[service]\ntarget_s = inf\n',
    "abandon_nan.toml": '[service]\nmax_abandon = nan\n',
    "shrinkage.toml": '[service]\nshrinkage = 1.5\n',
    "patience_huge.toml": '[service]\npatience_s = 1e308\n',
    "volume.toml": '[overrides]\nvolume_factor = 1e300\n',
    "aht_delta.toml": '[overrides]\naht_delta_s = -1e9\n',
    "section.toml": '[servce]\nshrinkage = 0.2\n',
    "key.toml": '[service]\nshrinkag = 0.2\n',
    "zone.toml": '[data]\ntime_zone = "Mars/Olympus"\n',
    "description_nul.toml": '[scenario]\ndescription = "a\\u0000b"\n',
    "sample_days.toml": '[data]\nsample_days = 1000000000\n',
    "history_missing.toml": '[data]\nhistory = "nope.csv"\n',
    "history_bad.toml": '[data]\nhistory = "nul_queue.csv"\n',
    "history_and_catalog_bad.toml": '[data]\nhistory = "big_aht.csv"\n[roster]\ncatalog = "catalog_nan.toml"\n',
    "solver.toml": '[roster]\nsolver = "gurobi"\n',
    "time_limit.toml": '[roster]\ntime_limit_s = 0\n',
    "events.toml": '[forecast.events]\n"11-11" = inf\n',
    "base_pay.toml": '[pay]\nbase_monthly = 0\n',
    "dup_a.toml": '[scenario]\nname = "same"\n',
    "dup_b.toml": '[scenario]\nname = "same"\n',
}

D = "{d}"
OUT = "{o}"  # every output of a case goes under here (a fresh folder): it must not exist afterwards

# (id, arguments, fragments the output must hold)
CASES: list[tuple[str, list[str], list[str]]] = [
    # --- wfm staff: numbers, choices, paths, the interval table
    ("staff-patience-zero", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--model", "erlang-a",
                             "--patience-s", "0"], ["option --patience-s", "invalid value 0"]),
    ("staff-min-agents-negative", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--min-agents", "-3"],
     ["option --min-agents", "-3", ">= 0"]),
    ("staff-productive-fraction-zero", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv",
                                        "--productive-fraction", "0"], ["option --productive-fraction", "> 0"]),
    ("staff-target-nan", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--target-s", "nan"],
     ["option --target-s", "not a finite number"]),
    ("staff-target-inf", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--target-s", "inf"],
     ["option --target-s", "not a finite number"]),
    ("staff-sl-one", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--sl", "1"], ["option --sl", "< 1"]),
    ("staff-sl-negative", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--sl", "-0.1"], ["option --sl"]),
    ("staff-asa-negative", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--asa-s", "-5"],
     ["option --asa-s", "0 to switch it off"]),
    ("staff-shrinkage-one", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--shrinkage", "1"],
     ["option --shrinkage", "< 1"]),
    ("staff-occupancy-zero", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--occupancy", "0"],
     ["option --occupancy", "> 0"]),
    ("staff-abandon-erlang-c", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--abandon", "0.05"],
     ["option --abandon", "Erlang C has no abandonment"]),
    ("staff-erlang-a-without-patience", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--model", "erlang-a"],
     ["option --patience-s", "patience"]),
    ("staff-patience-erlang-c", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--patience-s", "60"],
     ["option --patience-s", "Erlang C has no caller patience"]),
    ("staff-model-typo", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--model", "erlang-b"],
     ["option --model", "did you mean 'erlang-c'"]),
    ("staff-zone-mars", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--tz", "Mars/Olympus"],
     ["option --tz", "Mars/Olympus"]),
    ("staff-zone-typo", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--tz", "Asia/Shangai"],
     ["did you mean 'Asia/Shanghai'"]),
    ("staff-interval-7", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--interval-min", "7"],
     ["option --interval-min", "divide a day"]),
    ("staff-output-proc", ["staff", f"{D}/good.csv", "-o", "/proc/nonexistent/out.csv"],
     ["option --output", "/proc/nonexistent", "cannot be created"]),
    ("staff-output-is-folder", ["staff", f"{D}/good.csv", "-o", f"{D}/runs/rdir"],
     ["option --output", "existing folder"]),
    ("staff-output-extension", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.txt"], ["option --output", ".csv"]),
    ("staff-input-missing", ["staff", f"{D}/nope.csv", "-o", f"{OUT}/o.csv"], ["argument INPUT", "file not found"]),
    ("staff-input-folder", ["staff", f"{D}/runs/rdir", "-o", f"{OUT}/o.csv"], ["argument INPUT", "is a folder"]),
    ("staff-input-binary", ["staff", f"{D}/binary.csv", "-o", f"{OUT}/o.csv"], ["binary.csv", "cannot decode"]),
    ("staff-input-xls", ["staff", f"{D}/old.xls", "-o", f"{OUT}/o.csv"], ["unsupported file extension '.xls'"]),
    ("staff-offered-1e308", ["staff", f"{D}/big_offered.csv", "-o", f"{OUT}/o.csv"],
     ["big_offered.csv:2: offered", "too large"]),
    ("staff-aht-1e308", ["staff", f"{D}/big_aht.csv", "-o", f"{OUT}/o.csv"], ["big_aht.csv:2: aht_s", "too large"]),
    ("staff-offered-inf", ["staff", f"{D}/inf_offered.csv", "-o", f"{OUT}/o.csv"],
     ["inf_offered.csv:2: offered", "not a finite number"]),
    ("staff-nul-in-queue", ["staff", f"{D}/nul_queue.csv", "-o", f"{OUT}/o.csv"],
     ["nul_queue.csv:2: queue", "control character"]),
    ("staff-output-over-input", ["staff", f"{D}/good.csv", "-o", f"{D}/good.csv"],
     ["option --output", "is also the input INPUT"]),
    ("staff-several-at-once", ["staff", f"{D}/good.csv", "-o", f"{OUT}/o.csv", "--sl", "2", "--target-s", "-1",
                               "--tz", "Nowhere/City"],
     ["option --sl", "option --target-s", "option --tz", "3 problems"]),
    # --- wfm plan: the scenario file's keys, and the files it names
    ("plan-name-dotdot", ["plan", f"{D}/name_dotdot.toml", "-o", OUT], ["scenario.name", "'..'"]),
    ("plan-name-dot", ["plan", f"{D}/name_dot.toml", "-o", OUT], ["scenario.name", "'.'"]),
    ("plan-name-nul", ["plan", f"{D}/name_nul.toml", "-o", OUT], ["scenario.name", "control character"]),
    ("plan-name-slash", ["plan", f"{D}/name_slash.toml", "-o", OUT], ["scenario.name", "path separator"]),
    ("plan-name-reserved", ["plan", f"{D}/name_reserved.toml", "-o", OUT], ["scenario.name", "reserved"]),
    ("plan-country", ["plan", f"{D}/country.toml", "-o", OUT], ["forecast.holidays_country", "'XX'"]),
    ("plan-country-typo", ["plan", f"{D}/country_typo.toml", "-o", OUT], ["forecast.holidays_country", "CNN"]),
    ("plan-horizon-before-sample", ["plan", f"{D}/past_sample.toml", "-o", OUT],
     ["forecast.horizon_start", "2001-01-01", "not after"]),
    ("plan-horizon-before-history", ["plan", f"{D}/past_file.toml", "-o", OUT],
     ["forecast.horizon_start", "2025-01-01", "2025-11-11"]),
    ("plan-catalog-missing", ["plan", f"{D}/catalog_missing.toml", "-o", OUT], ["roster.catalog", "not found"]),
    ("plan-catalog-bad", ["plan", f"{D}/catalog_bad.toml", "-o", OUT],
     ["catalog_nan.toml: penalties.under_per_agent_hour", "nan", "catalog_nan.toml: shift_types"]),
    ("plan-headcount-zero", ["plan", f"{D}/headcount_zero.toml", "-o", OUT], ["roster.headcount", "capped at 0"]),
    ("plan-headcount-negative", ["plan", f"{D}/headcount_negative.toml", "-o", OUT],
     ["roster.headcount.five_two", "-1"]),
    ("plan-headcount-unknown", ["plan", f"{D}/headcount_unknown.toml", "-o", OUT],
     ["roster.headcount.fiv_two", "did you mean 'five_two'"]),
    ("plan-mix-unknown", ["plan", f"{D}/mix_unknown.toml", "-o", OUT], ["roster.contract_mix.one_on_one"]),
    ("plan-mix-sum", ["plan", f"{D}/mix_sum.toml", "-o", OUT], ["roster.contract_mix", "1.3"]),
    ("plan-agents-missing", ["plan", f"{D}/agents_missing.toml", "-o", OUT], ["roster.agents", "not found"]),
    ("plan-agents-bad", ["plan", f"{D}/agents_bad.toml", "-o", OUT],
     ["agents_mongoose.csv:2: availability", "not a weekday"]),
    ("plan-previous-missing", ["plan", f"{D}/previous_missing.toml", "-o", OUT],
     ["roster.previous_roster", "not found"]),
    ("plan-previous-bad", ["plan", f"{D}/previous_bad.toml", "-o", OUT], ["bad_previous.csv"]),
    ("plan-interval-7", ["plan", f"{D}/interval7.toml", "-o", OUT], ["data.interval_min", "15, 30 or 60"]),
    ("plan-target-inf", ["plan", f"{D}/target_inf.toml", "-o", OUT], ["service.target_s", "inf"]),
    ("plan-abandon-nan", ["plan", f"{D}/abandon_nan.toml", "-o", OUT], ["service.max_abandon", "nan"]),
    ("plan-shrinkage", ["plan", f"{D}/shrinkage.toml", "-o", OUT], ["service.shrinkage", "1.5"]),
    ("plan-patience-huge", ["plan", f"{D}/patience_huge.toml", "-o", OUT], ["service.patience_s", "<= 86400"]),
    ("plan-volume-huge", ["plan", f"{D}/volume.toml", "-o", OUT], ["overrides.volume_factor", "<= 100"]),
    ("plan-aht-delta", ["plan", f"{D}/aht_delta.toml", "-o", OUT], ["overrides.aht_delta_s"]),
    ("plan-unknown-section", ["plan", f"{D}/section.toml", "-o", OUT], ["unknown section [servce]", "did you mean"]),
    ("plan-unknown-key", ["plan", f"{D}/key.toml", "-o", OUT], ["service.shrinkag", "did you mean 'shrinkage'"]),
    ("plan-zone", ["plan", f"{D}/zone.toml", "-o", OUT], ["data.time_zone", "Mars/Olympus"]),
    ("plan-description-nul", ["plan", f"{D}/description_nul.toml", "-o", OUT],
     ["scenario.description", "control character"]),
    ("plan-sample-days", ["plan", f"{D}/sample_days.toml", "-o", OUT], ["data.sample_days", "<= 3660"]),
    ("plan-history-missing", ["plan", f"{D}/history_missing.toml", "-o", OUT], ["data.history", "not found"]),
    ("plan-history-bad", ["plan", f"{D}/history_bad.toml", "-o", OUT], ["nul_queue.csv:2: queue"]),
    ("plan-history-and-catalog-bad", ["plan", f"{D}/history_and_catalog_bad.toml", "-o", OUT],
     ["big_aht.csv:2: aht_s", "catalog_nan.toml: penalties"]),
    ("plan-history-option-bad", ["plan", "--history", f"{D}/big_offered.csv", "-o", OUT],
     ["big_offered.csv:2: offered"]),
    ("plan-solver", ["plan", f"{D}/solver.toml", "-o", OUT], ["roster.solver", "highs, cbc"]),
    ("plan-time-limit", ["plan", f"{D}/time_limit.toml", "-o", OUT], ["roster.time_limit_s", ">= 1"]),
    ("plan-event-inf", ["plan", f"{D}/events.toml", "-o", OUT], ["forecast.events", "inf"]),
    ("plan-base-pay", ["plan", f"{D}/base_pay.toml", "-o", OUT], ["pay.base_monthly", "> 0"]),
    ("plan-binary-scenario", ["plan", f"{D}/binary.toml", "-o", OUT], ["binary.toml", "not valid TOML"]),
    ("plan-scenario-missing", ["plan", f"{D}/nope.toml", "-o", OUT], ["argument [SCENARIO]", "file not found"]),
    ("plan-scenario-extension", ["plan", f"{D}/scenario.txt", "-o", OUT], ["unsupported file extension '.txt'"]),
    ("plan-output-proc", ["plan", f"{D}/ok.toml", "-o", "/proc/nonexistent/x"], ["option --out", "/proc"]),
    ("plan-output-is-file", ["plan", f"{D}/ok.toml", "-o", f"{D}/good.csv"], ["option --out", "existing file"]),
    ("plan-folder-is-a-file", ["plan", f"{D}/ok.toml", "-o", f"{D}/plans"], ["option --out", "plans/ok is an existing file"]),
    ("plan-history-option-missing", ["plan", "--history", f"{D}/nope.csv", "-o", OUT],
     ["option --history", "file not found"]),
    # --- wfm compare
    ("compare-duplicate-names", ["compare", f"{D}/dup_a.toml", f"{D}/dup_b.toml", "-o", OUT],
     ["dup_a.toml: scenario.name", "dup_b.toml: scenario.name"]),
    ("compare-processes-zero", ["compare", f"{D}/ok.toml", "-j", "0", "-o", OUT], ["option --processes", ">= 1"]),
    ("compare-one-bad-among-good", ["compare", f"{D}/ok.toml", f"{D}/target_inf.toml", f"{D}/country.toml",
                                    "-o", OUT], ["service.target_s", "forecast.holidays_country", "2 problems"]),
    # --- wfm roster
    ("roster-zone", ["roster", f"{D}/req.csv", "-o", OUT, "--tz", "Mars/Olympus"], ["option --tz"]),
    ("roster-target-inf", ["roster", f"{D}/req.csv", "-o", OUT, "--target-s", "inf"], ["option --target-s"]),
    ("roster-output-is-file", ["roster", f"{D}/req.csv", "-o", f"{D}/good.csv"], ["option --outdir", "existing file"]),
    ("roster-agents-missing", ["roster", f"{D}/req.csv", "-o", OUT, "--agents", f"{D}/nope.csv"],
     ["option --agents", "file not found"]),
    ("roster-availability-mongoose", ["roster", f"{D}/req.csv", "-o", OUT, "--agents", f"{D}/agents_mongoose.csv"],
     ["agents_mongoose.csv:2: availability", "'Mongoose-Fright' is not a weekday"]),
    ("roster-min-minutes-nan", ["roster", f"{D}/req.csv", "-o", OUT, "--agents", f"{D}/agents_nan.csv"],
     ["agents_nan.csv:2: min_minutes", "'nan'"]),
    ("roster-max-minutes-inf", ["roster", f"{D}/req.csv", "-o", OUT, "--agents", f"{D}/agents_inf.csv"],
     ["agents_inf.csv:2: max_minutes", "'inf'"]),
    ("roster-agents-contract", ["roster", f"{D}/req.csv", "-o", OUT, "--agents", f"{D}/agents_contract.csv"],
     ["agents_contract.csv:2: contract", "five_tow"]),
    ("roster-weeks-zero", ["roster", f"{D}/req.csv", "-o", OUT, "--weeks", "0"], ["option --weeks", ">= 1"]),
    ("roster-time-limit-zero", ["roster", f"{D}/req.csv", "-o", OUT, "--time-limit", "0"], ["option --time-limit"]),
    ("roster-catalog-bad", ["roster", f"{D}/req.csv", "-o", OUT, "--catalog", f"{D}/catalog_nan.toml"],
     ["catalog_nan.toml: penalties.under_per_agent_hour"]),
    ("roster-catalog-rest", ["roster", f"{D}/req.csv", "-o", OUT, "--catalog", f"{D}/catalog_rest.toml"],
     ["catalog_rest.toml: contracts.", "min_rest_h", "<= 48"]),
    ("roster-catalog-unknown-shift", ["roster", f"{D}/req.csv", "-o", OUT, "--catalog", f"{D}/catalog_shift.toml"],
     ["catalog_shift.toml: contracts.", "unknown shift type 'day9'"]),
    ("roster-catalog-missing", ["roster", f"{D}/req.csv", "-o", OUT, "--catalog", f"{D}/nope.toml"],
     ["option --catalog", "file not found"]),
    ("roster-solver", ["roster", f"{D}/req.csv", "-o", OUT, "--solver", "gurobi"], ["option --solver", "highs, cbc"]),
    ("roster-requirement-negative", ["roster", f"{D}/req_negative.csv", "-o", OUT],
     ["req_negative.csv:2: required_agents"]),
    ("roster-previous-missing", ["roster", f"{D}/req.csv", "-o", OUT, "--previous", f"{D}/nope.csv"],
     ["option --previous", "file not found"]),
    ("roster-several-files-at-once", ["roster", f"{D}/req_negative.csv", "-o", OUT, "--agents",
                                      f"{D}/agents_mongoose.csv"],
     ["req_negative.csv:2", "agents_mongoose.csv:2", "2 problems"]),
    # --- wfm simulate
    ("simulate-replications-zero", ["simulate", f"{D}/runs/rdir", "--forecast", f"{D}/forecast.csv", "-o", OUT,
                                    "--replications", "0"], ["option --replications"]),
    ("simulate-handle-cv-negative", ["simulate", f"{D}/runs/rdir", "--forecast", f"{D}/forecast.csv", "-o", OUT,
                                     "--handle-cv", "-1"], ["option --handle-cv", "> 0"]),
    ("simulate-patience-nan", ["simulate", f"{D}/runs/rdir", "--forecast", f"{D}/forecast.csv", "-o", OUT,
                               "--patience-s", "nan"], ["option --patience-s", "not a finite number"]),
    ("simulate-absence-one", ["simulate", f"{D}/runs/rdir", "--forecast", f"{D}/forecast.csv", "-o", OUT,
                              "--absence", "1"], ["option --absence", "< 1"]),
    ("simulate-calls-other-period", ["simulate", f"{D}/runs/rdir", "--forecast", f"{D}/forecast_2026.csv",
                                     "-o", OUT], ["forecast_2026.csv", "no time in common"]),
    ("simulate-no-roster", ["simulate", f"{D}/empty", "-o", OUT], ["argument ROSTER_DIR", "no roster.csv"]),
    ("simulate-no-calls", ["simulate", f"{D}/runs/rdir", "-o", OUT], ["option --forecast", "no staffing.csv"]),
    # --- wfm forecast
    ("forecast-models-typo", ["forecast", "backtest", f"{D}/good.csv", "-o", f"{OUT}/b.csv",
                              "--models", "seasonal_naiv"], ["option --models", "did you mean 'seasonal_naive'"]),
    ("forecast-origins-zero", ["forecast", "backtest", f"{D}/good.csv", "-o", f"{OUT}/b.csv", "--origins", "0"],
     ["option --origins"]),
    ("forecast-country", ["forecast", "fit", f"{D}/good.csv", "-o", f"{OUT}/m", "--country", "XX"],
     ["option --country", "'XX'"]),
    ("forecast-holiday-factor-inf", ["forecast", "fit", f"{D}/good.csv", "-o", f"{OUT}/m", "--holiday-factor", "inf"],
     ["option --holiday-factor"]),
    ("forecast-event-uplift-inf", ["forecast", "fit", f"{D}/good.csv", "-o", f"{OUT}/m", "--event", "11-11:inf"],
     ["option --event", "uplift"]),
    ("forecast-events-each-reported", ["forecast", "fit", f"{D}/good.csv", "-o", f"{OUT}/m", "--event", "11-31:2",
                                       "--event", "11-11:x"], ["'11-31:2'", "'11-11:x'", "2 problems"]),
    ("forecast-predict-no-model", ["forecast", "predict", f"{D}", "--start", "2025-01-01", "-o", f"{OUT}/f.csv"],
     ["argument MODEL_DIR", "no model.json"]),
    ("forecast-predict-start", ["forecast", "predict", str(DATA / "forecast_model_v1"), "--start", "15/09/2003",
                                "-o", f"{OUT}/f.csv"], ["option --start", "YYYY-MM-DD"]),
    ("forecast-predict-days-zero", ["forecast", "predict", str(DATA / "forecast_model_v1"), "--start",
                                    "2025-09-01", "--days", "0", "-o", f"{OUT}/f.csv"], ["option --days"]),
    ("forecast-plot-extension", ["forecast", "plot", f"{D}/good.csv", "-o", f"{OUT}/p.jpg"], ["option --output", ".png"]),
    ("forecast-fit-output-is-file", ["forecast", "fit", f"{D}/good.csv", "-o", f"{D}/good.csv"],
     ["option --output", "existing file"]),
    # --- wfm kpi
    ("kpi-accuracy-no-common-interval", ["kpi", "accuracy", "--forecast", f"{D}/forecast.csv", "--results",
                                         f"{D}/results_2026.csv", "-o", f"{OUT}/a.csv"],
     ["forecast.csv: interval_start", "no interval in common"]),
    ("kpi-accuracy-erlang-a", ["kpi", "accuracy", "--forecast", f"{D}/forecast.csv", "--results",
                               f"{D}/results.csv", "--model", "erlang-a", "-o", f"{OUT}/a.csv"],
     ["option --patience-s"]),
    ("kpi-accuracy-json", ["kpi", "accuracy", "--forecast", f"{D}/forecast.csv", "--results",
                           f"{D}/results.csv", "-o", f"{OUT}/a.json"], ["option --output", ".csv, .xlsx"]),
    ("kpi-agents-tolerance-nan", ["kpi", "agents", "--states", f"{D}/states.csv", "-o", f"{OUT}/a.csv",
                                  "--tolerance-min", "nan"], ["option --tolerance-min"]),
    ("kpi-agents-roster-other-period", ["kpi", "agents", "--states", f"{D}/states_2026.csv", "--roster",
                                        f"{D}/roster.csv", "-o", f"{OUT}/a.csv"],
     ["states_2026.csv", "no time in common with", "roster.csv"]),
    ("kpi-pay-states-other-period", ["kpi", "pay", "--roster", f"{D}/roster.csv", "--states",
                                     f"{D}/states_2026.csv", "-o", f"{OUT}/p.csv"], ["no time in common"]),
    ("kpi-agents-nul-in-agent", ["kpi", "agents", "--states", f"{D}/states_nul.csv", "-o", f"{OUT}/a.csv"],
     ["states_nul.csv:2: agent_id", "control character"]),
    ("kpi-agents-output-extension", ["kpi", "agents", "--states", f"{D}/states.csv", "-o", f"{OUT}/a.pdf"],
     ["option --output", ".pdf"]),
    ("kpi-agents-states-missing", ["kpi", "agents", "--states", f"{D}/nope.csv", "-o", f"{OUT}/a.csv"],
     ["option --states", "file not found"]),
    ("kpi-pay-base-inf", ["kpi", "pay", "--roster", f"{D}/roster.csv", "-o", f"{OUT}/p.csv", "--base", "inf"],
     ["option --base"]),
    ("kpi-pay-base-zero", ["kpi", "pay", "--roster", f"{D}/roster.csv", "-o", f"{OUT}/p.csv", "--base", "0"],
     ["option --base", "> 0"]),
    ("kpi-pay-month", ["kpi", "pay", "--roster", f"{D}/roster.csv", "-o", f"{OUT}/p.csv", "--month", "2025-13"],
     ["option --month", "YYYY-MM"]),
    ("kpi-pay-catalog-bad", ["kpi", "pay", "--roster", f"{D}/roster.csv", "-o", f"{OUT}/p.csv",
                             "--catalog", f"{D}/catalog_nan.toml"], ["catalog_nan.toml: penalties"]),
    ("kpi-scorecard-no-source", ["kpi", "scorecard", "-o", f"{OUT}/s.csv"], ["option --kpis"]),
    ("kpi-scorecard-states-without-roster", ["kpi", "scorecard", "--states", f"{D}/states.csv",
                                             "-o", f"{OUT}/s.csv"], ["option --roster", "--states needs --roster"]),
    ("kpi-scorecard-scheme-nan", ["kpi", "scorecard", "--kpis", f"{D}/states.csv", "--scheme",
                                  f"{D}/scheme_nan.toml", "-o", f"{OUT}/s.csv"], ["scheme_nan.toml: rule[0].weight"]),
    ("kpi-scorecard-scheme-method", ["kpi", "scorecard", "--kpis", f"{D}/states.csv", "--scheme",
                                     f"{D}/scheme_method.toml", "-o", f"{OUT}/s.csv"],
     ["scheme_method.toml: rule[0].method"]),
    ("kpi-scorecard-scheme-weights", ["kpi", "scorecard", "--kpis", f"{D}/states.csv", "--scheme",
                                      f"{D}/scheme_sum.toml", "-o", f"{OUT}/s.csv"], ["scheme_sum.toml: rule.weight", "0.7"]),
    ("kpi-report-scheme-nan", ["kpi", "report", "--states", f"{D}/states.csv", "--scheme", f"{D}/scheme_nan.toml",
                               "-o", OUT], ["scheme_nan.toml: rule[0].weight"]),
    ("kpi-scorecard-bonus-negative", ["kpi", "scorecard", "--kpis", f"{D}/states.csv", "--bonus-base", "-5",
                                      "-o", f"{OUT}/s.csv"], ["option --bonus-base"]),
    ("kpi-outbound-unusable", ["kpi", "outbound", "--dials", f"{D}/dials.csv", "--list-size", "2",
                               "--unusable-in-list", "5", "-o", f"{OUT}/o.csv"], ["option --unusable-in-list"]),
    ("kpi-outbound-list-negative", ["kpi", "outbound", "--dials", f"{D}/dials.csv", "--list-size", "-2",
                                    "-o", f"{OUT}/o.csv"], ["option --list-size"]),
    ("kpi-report-nothing", ["kpi", "report", "-o", OUT], ["nothing to measure"]),
    ("kpi-report-output-is-file", ["kpi", "report", "--states", f"{D}/states.csv", "-o", f"{D}/good.csv"],
     ["option --out", "existing file"]),
    ("kpi-service-level-typo", ["kpi", "service", "--results", f"{D}/results.csv", "--level", "weekly",
                                "-o", f"{OUT}/s.csv"], ["option --level", "did you mean 'week'"]),
    ("kpi-accuracy-lead-days", ["kpi", "accuracy", "--forecast", f"{D}/forecast.csv", "--results",
                                f"{D}/results.csv", "--lead-days", "-1", "-o", f"{OUT}/a.csv"], ["option --lead-days"]),
    # --- wfm export
    ("export-ics-onto-file", ["export", "roster", f"{D}/roster.csv", "-o", f"{D}/good.csv", "--format", "ics"],
     ["option --output", "existing file, not a folder"]),
    ("export-with-pay-csv", ["export", "roster", f"{D}/roster.csv", "-o", f"{OUT}/r.csv", "--with-pay"],
     ["option --with-pay", ".xlsx"]),
    ("export-unknown-format", ["export", "roster", f"{D}/roster.csv", "-o", f"{OUT}/r.pdf"],
     ["option --output", "cannot tell the format"]),
    ("export-format-mismatch", ["export", "roster", f"{D}/roster.csv", "-o", f"{OUT}/r.csv", "--format", "xlsx"],
     ["option --output", ".xlsx"]),
    ("export-zone", ["export", "roster", f"{D}/roster.csv", "-o", f"{OUT}/r.csv", "--tz", "Mars/Olympus"],
     ["option --tz"]),
    ("export-output-proc", ["export", "roster", f"{D}/roster.csv", "-o", "/proc/nonexistent/r.csv"],
     ["option --output", "/proc/nonexistent"]),
    ("export-workbook-extension", ["export", "workbook", f"{D}/roster.csv", "-o", f"{OUT}/w.csv"],
     ["option --output", ".xlsx"]),
    ("export-workbook-same-sheet", ["export", "workbook", f"{D}/a/roster.csv", f"{D}/b/roster.csv",
                                    "-o", f"{OUT}/w.xlsx"], ["argument TABLES", "'roster'"]),
    ("export-workbook-missing-table", ["export", "workbook", f"{D}/nope.csv", "-o", f"{OUT}/w.xlsx"],
     ["argument TABLES", "file not found"]),
    # --- wfm sample
    ("sample-days-negative", ["sample", "-o", f"{OUT}/s.csv", "--days", "-1"], ["option --days"]),
    ("sample-days-huge", ["sample", "-o", f"{OUT}/s.csv", "--days", "100000000"], ["option --days", "<= 3660"]),
    ("sample-output-proc", ["sample", "-o", "/proc/nonexistent/s.csv"], ["option --output", "/proc/nonexistent"]),
    ("sample-start-not-a-day", ["sample", "-o", f"{OUT}/s.csv", "--start", "2025-02-30"], ["option --start"]),
    ("sample-seed-negative", ["sample", "-o", f"{OUT}/s.csv", "--seed", "-1"], ["option --seed"]),
    ("sample-interval-typo", ["sample", "-o", f"{OUT}/s.csv", "--interval-min", "7"], ["option --interval-min"]),
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad_inputs")
    for name, content in {**FILES, **SCENARIOS}.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return d


def test_the_corpus_is_large_and_covers_every_command():
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)
    commands = {args[0] for _, args, _ in CASES} | {" ".join(args[:2]) for _, args, _ in CASES}
    for command in ("plan", "compare", "staff", "roster", "simulate", "forecast", "kpi", "export", "sample"):
        assert command in commands
    # the configuration files: a scenario, a shift catalogue and a scorecard scheme
    fragments = " ".join(f for _, _, fs in CASES for f in fs)
    assert "catalog_nan.toml:" in fragments and "scheme_nan.toml:" in fragments and "scenario.name" in fragments


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_error(folder, tmp_path, case):
    _, args, fragments = case
    out = tmp_path / "out"
    argv = [a.replace("{d}", str(folder)).replace("{o}", str(out)) for a in args]
    res = CliRunner().invoke(cli, argv)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    assert res.exit_code == 2, res.output
    text = res.output
    for fragment in fragments:
        assert fragment.replace("{d}", str(folder)) in text, (fragment, text)
    assert "internal error" not in text
    assert not out.exists(), "a failing command wrote its output"
