"""Bundled planning models (shift catalogue, forecast models), installed as ``wfm.models``."""
