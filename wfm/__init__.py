"""wfm: a workforce-management planner for contact centres.

Science lives in plain functions (``wfm.staffing``, ``wfm.intervals`` ...);
``wfm.plan`` only orchestrates them.
"""

__version__ = "0.1.0"
