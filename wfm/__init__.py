"""wfm: a workforce-management planner for contact centres.

Science lives in plain functions (``wfm.staffing``, ``wfm.intervals`` ...);
``wfm.plan`` only orchestrates them.
"""

__version__ = "0.1.0"

# The zone of naive timestamps wherever the caller names none (IANA name):
# the source documents' centres are in mainland China.
DEFAULT_TZ = "Asia/Shanghai"
