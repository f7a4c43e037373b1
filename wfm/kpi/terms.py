"""Domain constants of the KPI package: agent states, contracts, KPI targets.

Every number here is a default taken from ``DOMAIN.md`` (the
project's summary of the Chinese source documents in ``../shared/seeds/``);
all of them can be overridden where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

__all__ = [
    "STATES",
    "STATE_SYNONYMS",
    "PRODUCTIVE_STATES",
    "HANDLING_STATES",
    "LOGGED_IN_STATES",
    "ACTIVITIES",
    "ADHERENCE_MATCH",
    "ContractTerms",
    "contract_terms",
    "default_contract_terms",
    "CONTRACTS",  # noqa: F822 (module __getattr__: derived from the bundled catalogue)
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

#: Productive time (DOMAIN.md section 2, utilisation: "talk, hold, wrap, available").
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
    """Pay terms of a contract (domain notes, section 4), in exact decimals.

    Derived from the one contract model, the roster catalogue's
    :class:`wfm.roster.catalog.Contract` (:func:`contract_terms`), never
    written by hand. ``daily rate = base / paid_days_per_month``;
    ``hourly rate = daily rate / shift_hours``; ``base_monthly`` is the
    contract's monthly base pay (an agent's own base pay, where known,
    takes its place in :func:`wfm.kpi.pay.payroll`).
    """

    name: str
    paid_days_per_month: Decimal
    shift_hours: Decimal
    base_monthly: Decimal = Decimal("2800")


def contract_terms(contract, catalog) -> ContractTerms:
    """The pay terms of a catalogue contract: its paid days a month and base
    pay as given (exactly, through their decimal text) and its shift hours =
    its longest shift type (8 h for 5-on-2, 12 h for 1-on-1 in the bundled
    catalogue)."""
    lengths = [max(catalog.shift_types[s].lengths_min) for s in contract.shift_types if s in catalog.shift_types]
    hours = Decimal(max(lengths)) / Decimal(60) if lengths else Decimal(8)
    return ContractTerms(contract.name, Decimal(str(contract.paid_days_per_month)), hours,
                         Decimal(str(contract.base_monthly)))


@lru_cache(maxsize=1)
def default_contract_terms() -> dict[str, ContractTerms]:
    """The bundled catalogue's contracts (做五休二 5-on-2 and 做一休一 1-on-1),
    by name: the defaults wherever no catalogue is given."""
    from wfm.roster.catalog import default_catalog_path, load_catalog

    cat = load_catalog(default_catalog_path())
    return {c.name: contract_terms(c, cat) for c in cat.contracts.values()}


def __getattr__(name: str):
    # CONTRACTS is derived from the bundled catalogue on first use
    if name == "CONTRACTS":
        return default_contract_terms()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Other spellings of the contract names (the roster catalogue's keys among them).
CONTRACT_ALIASES = {
    "5-on-2": "5-on-2", "5on2": "5-on-2", "5_on_2": "5-on-2", "five_two": "5-on-2",
    "5/2": "5-on-2", "做五休二": "5-on-2",
    "1-on-1": "1-on-1", "1on1": "1-on-1", "1_on_1": "1-on-1", "one_one": "1-on-1",
    "1/1": "1-on-1", "做一休一": "1-on-1",
}

#: Monthly base pay, CNY (DOMAIN.md section 4).
BASE_PAY_CNY = Decimal("2800")

#: KPI targets (DOMAIN.md sections 1 and 2): (comparison, value).
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
