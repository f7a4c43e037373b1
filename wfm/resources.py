"""Files bundled with the package: the shift catalogue and the scenario files.

They live at the top of the repository (``models/``, ``scenarios/``) and are
installed as ``wfm.models`` and ``wfm.scenarios`` (see pyproject.toml), so the
same path lookup works from a checkout and from an installed wheel.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled(package: str, name: str) -> Path:
    """Path of a bundled file, e.g. ``bundled("scenarios", "baseline.toml")``."""
    if package not in ("models", "scenarios"):
        raise ValueError(f"no bundled package {package!r}")
    return Path(str(resources.files(f"wfm.{package}").joinpath(name)))


def bundled_scenarios() -> list[Path]:
    """Every scenario file shipped with wfm, sorted by name."""
    folder = Path(str(resources.files("wfm.scenarios")))
    return sorted(folder.glob("*.toml"))
