"""Scorecard (DOMAIN.md section 5) and outbound campaign KPIs (section 6),
against hand-computed small cases."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from wfm.errors import InputError
from wfm.kpi.inputs import validate_dials
from wfm.kpi.outbound import account_outcomes, outbound_agent_kpis, outbound_kpis
from wfm.kpi.scorecard import (
    Rule,
    default_scheme,
    grade_for,
    load_scheme,
    rule_score,
    sales_commission,
    scheme_from_dict,
    score_agents,
    split_bonus_pool,
    traffic_score,
)

# --------------------------------------------------------------------------
# scorecard
# --------------------------------------------------------------------------


def test_band_scores_higher_and_strictly_lower():
    adh = Rule("adh", "bands", 1.0, "v", bands=((0.99, 100), (0.97, 90), (0.95, 80)))
    got = rule_score(adh, pd.DataFrame({"v": [0.995, 0.97, 0.9699, 0.5, np.nan]}))
    assert got[:4].tolist() == [100, 90, 80, 0]
    assert np.isnan(got[4])
    nr = Rule("nr", "bands", 1.0, "v", bands=((0.06, 100), (0.08, 80)), higher_is_better=False, strict=True)
    # the target is "< 6 %": exactly 6 % misses the top band
    assert rule_score(nr, pd.DataFrame({"v": [0.0599, 0.06, 0.0799, 0.08]})).tolist() == [100, 80, 80, 0]


def test_target_rating_deduction_and_veto_methods():
    df = pd.DataFrame({"traffic": [0.9, 1.2], "att": ["优", "良"], "late_15": [1, 3], "absence": [0, 1],
                       "fatal": [0.96, 0.94]})
    assert rule_score(Rule("t", "target", 1, "traffic", target=1.0), df).tolist() == [90.0, 100.0]
    assert rule_score(Rule("r", "rating", 1, "att", ratings={"优": 100, "良": 80}), df).tolist() == [100, 80]
    ded = Rule("d", "deduction", 0.5, points={"late_15": 1, "absence": 5})
    assert rule_score(ded, df).tolist() == [99.0, 92.0]  # 100 - 1; 100 - 3 - 5
    direct = Rule("d", "deduction", 0.0, points={"late_15": 1, "absence": 5})
    assert rule_score(direct, df).tolist() == [1.0, 8.0]  # points off the total
    veto = Rule("v", "veto", 0.0, "fatal", pass_if=(">=", 0.95))
    assert rule_score(veto, df).tolist() == [1.0, 0.0]


def test_default_scheme_grades_and_bonus_by_hand():
    kpis = pd.DataFrame({
        "agent_id": ["a", "b", "c", "d"],
        "adherence": [0.99, 0.96, 0.99, np.nan],
        "utilisation": [0.72, 0.66, 0.70, 0.70],
        "not_ready_break_ratio": [0.05, 0.07, 0.05, 0.01],
        "late_15": [1, 0, 0, 0], "late_30": [0, 1, 0, 0], "absence": [0, 0, 6, 0],
        "full_month": [True, True, False, True],
    })
    out = score_agents(kpis).set_index("agent_id")
    # a: 100 on every item, -1 for one late arrival -> 99 -> A -> 500
    assert (out.loc["a", "score"], out.loc["a", "grade"], out.loc["a", "bonus"]) == (99.0, "A", 500.0)
    # b: 0.4 x 80 + 0.3 x 85 + 0.3 x 80 = 81.5, -2 for a 30-minute lateness -> 79.5 -> D -> 100
    assert (out.loc["b", "score"], out.loc["b", "grade"], out.loc["b", "bonus"]) == (79.5, "D", 100.0)
    # c: 100 - 6 x 5 = 70.0: the gap is closed, 70 is D; but a partial month earns no bonus
    assert (out.loc["c", "score"], out.loc["c", "grade"], out.loc["c", "bonus"]) == (70.0, "D", 0.0)
    # d: adherence missing scores 0: 0.3 x 100 + 0.3 x 100 = 60 -> E
    assert (out.loc["d", "score"], out.loc["d", "grade"], out.loc["d", "missing"]) == (60.0, "E", "adherence")


@pytest.mark.parametrize("score,grade", [
    (100, "A"), (95, "A"), (94.995, "A"), (94.994, "B"), (90, "B"), (89.99, "C"), (80, "C"),
    (79.99, "D"), (71, "D"), (70.5, "D"), (70.0, "D"), (69.995, "D"), (69.994, "E"), (0, "E")])
def test_grade_bands_with_the_gap_closed(score, grade):
    assert grade_for(score) == grade


def test_bonus_base_is_configurable_and_veto_fails_the_month():
    scheme = scheme_from_dict({
        "bonus_base": 800,
        "rule": [{"name": "quality", "method": "bands", "column": "q", "weight": 1.0,
                  "bands": [[0.95, 100], [0.9, 92], [0.8, 85], [0.7, 75]]},
                 {"name": "fatal errors", "method": "veto", "column": "fatal", "pass_if": [">=", 0.95]}]})
    kpis = pd.DataFrame({"agent_id": list("abcde"), "q": [0.96, 0.91, 0.81, 0.71, 0.99],
                         "fatal": [0.99, 0.99, 0.99, 0.99, 0.90]})
    out = score_agents(kpis, scheme)
    assert out["grade"].tolist() == ["A", "B", "C", "D", "E"]
    assert out["bonus"].tolist() == [800.0, 480.0, 320.0, 160.0, 0.0]
    assert out["vetoed"].tolist() == [False] * 4 + [True]
    assert out["score"].iat[4] == 100.0  # shown, but the veto fails the month


def test_scheme_problems_listed_together(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('bonus = 5\n[[rule]]\nname = "x"\nmethod = "magic"\n[[rule]]\nname = "y"\n'
                 'method = "bands"\ncolumn = "y"\nweight = 0.5\nbands = [[1]]\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scheme(p)
    got = [str(x) for x in info.value.problems]
    assert sorted(got) == sorted([
        f"{p}: bonus: unknown key; did you mean 'bonus_base'? (expected one of description, bonus_base, "
        "grades, bonus_share, veto_grade, rule)",
        f"{p}: rule[0].method: invalid value 'magic' (expected one of bands, target, deduction, veto, "
        "rating)",
        f"{p}: rule[1].bands: invalid value [[1]] (expected a list of [threshold, score] pairs)",
    ])


def test_scheme_weights_checked_once_the_rules_are_valid(tmp_path):
    # The weight sum compares rules, so it is checked when every rule reads.
    p = tmp_path / "s.toml"
    p.write_text('[[rule]]\nmethod = "bands"\ncolumn = "y"\nweight = 0.5\nbands = [[0.9, 100]]\n'
                 '[[rule]]\nmethod = "veto"\ncolumn = "f"\npass_if = [">=", 0.95]\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scheme(p)
    assert [str(x) for x in info.value.problems] == [
        f"{p}: rule.weight: weights add up to 0.5 (expected weights adding up to 1)"]


@pytest.mark.parametrize("rule,key,needle", [
    ('method = "target"\ncolumn = "c"\nweight = 1', "rule[0].target", "missing"),
    ('method = "veto"\ncolumn = "c"\nweight = 0.5\npass_if = [">=", 1]', "rule[0].weight", "veto"),
    ('method = "bands"\nweight = 1\nbands = [[1, 2]]', "rule[0].column", "missing"),
    ('method = "bands"\ncolumn = "c"\nweight = nan\nbands = [[1, 2]]', "rule[0].weight", "nan"),
    ('method = "bands"\ncolumn = "c"\nweight = "1"\nbands = [[1, 2]]', "rule[0].weight", "'1'"),
    ('method = "veto"\ncolumn = "c"\npass_if = ["=>", 1]', "rule[0].pass_if", '[">=", 0.95]'),
])
def test_scheme_rule_problems_name_the_key(tmp_path, rule, key, needle):
    p = tmp_path / "s.toml"
    p.write_text(f"[[rule]]\n{rule}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scheme(p)
    assert [x.column for x in info.value.problems] == [key]
    assert needle in str(info.value) and str(p) in str(info.value)


DEFAULT_SCHEME_TOML = """
[[rule]]
name = "adherence"
method = "bands"
column = "adherence"
weight = 0.4
bands = [[0.99, 100], [0.97, 90], [0.95, 80], [0.90, 60]]
[[rule]]
name = "utilisation"
method = "bands"
column = "utilisation"
weight = 0.3
bands = [[0.70, 100], [0.65, 85], [0.60, 70]]
[[rule]]
name = "not_ready_break_ratio"
method = "bands"
column = "not_ready_break_ratio"
weight = 0.3
bands = [[0.06, 100], [0.08, 80], [0.10, 60]]
higher_is_better = false
strict = true
[[rule]]
name = "discipline"
method = "deduction"
points = { late_15 = 1, late_30 = 2, absence = 5 }
"""


def test_scheme_file_written_as_the_default_gives_the_default(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(DEFAULT_SCHEME_TOML, encoding="utf-8")
    assert load_scheme(p) == default_scheme()


def test_missing_kpi_column_is_an_input_error():
    with pytest.raises(InputError, match="utilisation: column needed by the scorecard scheme"):
        score_agents(pd.DataFrame({"agent_id": ["a"], "adherence": [1.0], "not_ready_break_ratio": [0]}),
                     default_scheme())


def test_commission_traffic_score_and_pool_split():
    # the source's example: 3000 x 70 % x 98 % = 2058
    assert sales_commission(3000, "0.98") == Decimal("2058.00")
    # 5000 calls target, 5500 handled of which 500 complaint contacts -> 100 %
    assert traffic_score(5500, 500, 5000) == 1.0
    assert split_bonus_pool(1000) == (Decimal("500"), Decimal("200"), Decimal("300"))
    # 7 cents 5:2:3 -> 3.5, 1.4, 2.1 -> 4, 1, 2 (the largest remainder gets the odd cent)
    assert split_bonus_pool("0.07") == (Decimal("0.04"), Decimal("0.01"), Decimal("0.02"))
    assert sum(split_bonus_pool("123.45")) == Decimal("123.45")


# --------------------------------------------------------------------------
# outbound
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dials():
    rows = [
        # account, agent, outcome, prep, talk, acw
        ("1", "X", "busy", 10, 0, 0), ("1", "X", "no_answer", 10, 0, 0), ("1", "X", "sale", 10, 300, 60),
        ("2", "X", "refused", 10, 60, 0),
        ("3", "Y", "completed", 10, 240, 30),
        ("4", "Y", "busy", 10, 0, 0), ("4", "Y", "busy", 10, 0, 0),
        ("5", "X", "wrong_number", 10, 0, 0),
        ("6", "Y", "no_answer", 10, 0, 0), ("6", "Y", "callback", 10, 0, 0), ("6", "Y", "forwarded", 10, 0, 0),
        ("7", "X", "invalid", 10, 0, 0), ("7", "Y", "completed", 10, 200, 30),
    ]
    return validate_dials(pd.DataFrame(rows, columns=["account_id", "agent_id", "outcome", "prep_s",
                                                      "talk_s", "acw_s"]))


def test_account_outcomes_take_the_best_attempt(dials):
    acc = account_outcomes(dials).set_index("account_id")
    assert acc["outcome"].to_dict() == {"1": "sale", "2": "refused", "3": "completed", "4": "busy",
                                        "5": "invalid", "6": "callback", "7": "completed"}
    assert acc["attempts"].tolist() == [3, 1, 1, 2, 1, 3, 2]
    assert acc.loc["7", "agent_id"] == "Y"


def test_campaign_kpis_by_hand(dials):
    k = outbound_kpis(dials, list_size=10, unusable_in_list=1, productive_h=2.0, paid_h=8.0,
                      worked_h=7.5).iloc[0]
    assert k["calls_made"] == 13 and k["accounts_called"] == 7
    assert k["unusable"] == 2 and k["corruption_rate"] == pytest.approx(0.2)
    assert k["valid_accounts"] == 8
    assert k["reached_accounts"] == 4 and k["reachable_rate"] == pytest.approx(0.5)
    assert k["completed_accounts"] == 3 and k["completed_rate"] == pytest.approx(0.75)
    assert k["sales"] == 1 and k["hit_rate"] == pytest.approx(1 / 3)
    assert k["average_attempts"] == pytest.approx(2.5)  # (2 + 3) / 2 unreachable accounts
    assert k["completed_per_hour"] == pytest.approx(1.5)
    assert k["sales_per_hour"] == pytest.approx(0.5)
    assert k["utilisation"] == pytest.approx(0.25)
    assert k["attendance"] == pytest.approx(0.9375)
    # AHT: 13 x 10 s prep + talk 800 + acw 120 over 13 calls
    assert k["aht_s"] == pytest.approx(1050 / 13)
    default = outbound_kpis(dials, unusable_in_list=1).iloc[0]
    assert default["list_size"] == 8 and default["corruption_rate"] == pytest.approx(2 / 8)
    assert np.isnan(default["completed_per_hour"])


def test_agent_outbound_kpis(dials):
    hours = pd.DataFrame({"agent_id": ["X", "Y"], "productive_h": [1.0, 2.0], "paid_h": [4.0, 4.0],
                          "worked_h": [4.0, 3.0]})
    a = outbound_agent_kpis(dials, hours).set_index("agent_id")
    assert a.loc["X", ["calls_made", "accounts", "reached", "completed", "sales"]].tolist() == [6, 3, 2, 1, 1]
    assert a.loc["Y", ["calls_made", "accounts", "reached", "completed", "sales"]].tolist() == [7, 4, 2, 2, 0]
    assert a.loc["Y", "completed_per_hour"] == pytest.approx(1.0)
    assert a.loc["X", "utilisation"] == pytest.approx(0.25)
    assert a.loc["Y", "attendance"] == pytest.approx(0.75)
    # X: prep 60 + talk 360 + acw 60 over 6 calls
    assert a.loc["X", "aht_s"] == pytest.approx(480 / 6)
