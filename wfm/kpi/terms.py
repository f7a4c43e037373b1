"""Domain constants of the KPI package: agent states, contracts, KPI targets.

Every number here is a default taken from ``../shared/domain.md`` (the
project's summary of the Chinese source documents in ``../shared/seeds/``);
all of them can be overridden where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "STATES",
    "STATE_SYNONYMS",
    "PRODUCTIVE_STATES",
    "HANDLING_STATES",
    "LOGGED_IN_STATES",
    "ACTIVITIES",
    "ADHERENCE_MATCH",
    "ContractTerms",
    "CONTRACTS",
    "CONTRACT_ALIASES",
    "BASE_PAY_CNY",
    "TARGETS",
]

#: Agent states of the state log (lower case). ``logged_out`` also stands for
#: any time not covered by the log.
STATES = (
    "available", "talk", "hold", "acw", "break", "meal",
    "training", "meeting", "not_ready", "logged_out",
)

#: Spellings found in ACD exports, mapped to :data:`STATES` (keys are
#: normalised: lower case, spaces and dashes as underscores).
STATE_SYNONYMS = {
    "idle": "available", "ready": "available", "waiting": "available", "avail": "available",
    "talking": "talk", "on_call": "talk", "oncall": "talk", "in_call": "talk", "call": "talk",
    "held": "hold", "on_hold": "hold",
    "wrap": "acw", "wrapup": "acw", "wrap_up": "acw", "after_call_work": "acw", "aftercall": "acw",
    "lunch": "meal", "dinner": "meal",
    "rest": "break", "coffee": "break",
    "coaching": "training", "course": "training",
    "team_meeting": "meeting", "briefing": "meeting",
    "notready": "not_ready", "aux": "not_ready", "busy": "not_ready", "unavailable": "not_ready",
    "logout": "logged_out", "offline": "logged_out", "logged_off": "logged_out", "logoff": "logged_out",
    # Chinese labels (示忙 = shown busy, 小休 = short break, 就餐 = meal, 话后 = ACW)
    "示忙": "not_ready", "小休": "break", "休息": "break", "就餐": "meal", "用餐": "meal",
    "话后": "acw", "话后处理": "acw", "通话": "talk", "保持": "hold", "空闲": "available",
    "培训": "training", "会议": "meeting", "签出": "logged_out",
}

#: Productive time (domain.md section 2, utilisation: "talk, hold, wrap, available").
PRODUCTIVE_STATES = ("available", "talk", "hold", "acw")
#: Time spent handling contacts (the numerator of occupancy).
HANDLING_STATES = ("talk", "hold", "acw")
#: Every state except logged_out: the agent is signed in.
LOGGED_IN_STATES = tuple(s for s in STATES if s != "logged_out")

#: Scheduled activities of a roster. ``work`` is shift time outside meal,
#: breaks and other activities: the agent is expected on the phones.
ACTIVITIES = ("work", "meal", "break", "meeting", "training")

#: Which actual states count as adhering to each scheduled activity.
ADHERENCE_MATCH = {
    "work": PRODUCTIVE_STATES,
    "meal": ("meal",),
    "break": ("break",),
    "meeting": ("meeting",),
    "training": ("training",),
}


@dataclass(frozen=True)
class ContractTerms:
    """Pay terms of a shift pattern (domain.md section 4).

    ``daily rate = base / paid_days_per_month``;
    ``hourly rate = daily rate / shift_hours``.
    """

    name: str
    paid_days_per_month: Decimal
    shift_hours: Decimal


#: The two contracts of the source documents (做五休二 and 做一休一).
CONTRACTS = {
    "5-on-2": ContractTerms("5-on-2", Decimal("21.75"), Decimal("8")),
    "1-on-1": ContractTerms("1-on-1", Decimal("15.5"), Decimal("12")),
}

#: Other spellings of the contract names (the roster catalogue's keys among them).
CONTRACT_ALIASES = {
    "5-on-2": "5-on-2", "5on2": "5-on-2", "5_on_2": "5-on-2", "five_two": "5-on-2",
    "5/2": "5-on-2", "做五休二": "5-on-2",
    "1-on-1": "1-on-1", "1on1": "1-on-1", "1_on_1": "1-on-1", "one_one": "1-on-1",
    "1/1": "1-on-1", "做一休一": "1-on-1",
}

#: Monthly base pay, CNY (domain.md section 4).
BASE_PAY_CNY = Decimal("2800")

#: KPI targets (domain.md sections 1 and 2): (comparison, value).
TARGETS = {
    "service_level": (">=", 0.80),
    "asa_s": ("<=", 20.0),
    "abandon_rate": ("<=", 0.05),
    "acw_s": ("<=", 20.0),
    "att_s_min": (">=", 120.0),
    "att_s_max": ("<=", 210.0),
    "volume_accuracy": (">=", 0.90),
    "staffing_accuracy": (">=", 0.90),
    "schedule_accuracy": (">=", 0.90),
    "share_adhering": (">=", 0.99),
    "utilisation": (">=", 0.70),
    "not_ready_break_ratio": ("<", 0.06),
}
