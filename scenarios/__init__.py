"""Bundled what-if scenario files, installed as ``wfm.scenarios``."""
