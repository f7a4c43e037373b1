"""Files bundled with the package: the shift catalogue and the scenario files.

They live at the top of the repository (``models/``, ``scenarios/``) and are
installed as ``wfm.models`` and ``wfm.scenarios`` (see pyproject.toml), so the
same path lookup works from a checkout and from an installed wheel.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled_folder(package: str) -> Path:
    """Folder of ``models`` or ``scenarios``, installed or in the checkout.

    Installed, they are the packages ``wfm.models`` / ``wfm.scenarios``. When
    ``wfm`` is imported straight from a source checkout (``python -m pytest``
    in the repository puts the checkout first on ``sys.path``), those
    packages do not exist under ``wfm/`` and the top-level folders are used.
    """
    if package not in ("models", "scenarios"):
        raise ValueError(f"no bundled package {package!r}")
    try:
        return Path(str(resources.files(f"wfm.{package}")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / package


def bundled(package: str, name: str) -> Path:
    """Path of a bundled file, e.g. ``bundled("scenarios", "baseline.toml")``."""
    return bundled_folder(package) / name


def bundled_scenarios() -> list[Path]:
    """Every scenario file shipped with wfm, sorted by name."""
    return sorted(bundled_folder("scenarios").glob("*.toml"))
