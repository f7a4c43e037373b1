"""The structure ARCHITECTURE.md promises, checked on the source itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "wfm"


def _sources(*folders):
    for folder in folders:
        yield from sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_over_900_lines():
    long = {str(p.relative_to(ROOT)): n for p in _sources("wfm")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 900}
    assert long == {}


def test_no_private_name_imported_across_modules():
    found = []
    for p in _sources("wfm", "tests", "benchmarks"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wfm"):
                found += [f"{p.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert found == []


def test_one_place_writes_csv():
    writers = [str(p.relative_to(ROOT)) for p in _sources("wfm") if ".to_csv(" in p.read_text(encoding="utf-8")]
    assert writers == ["wfm/io.py"]


def test_library_errors_never_name_a_cli_flag():
    """Outside wfm/cli, a Problem or an InputError message holds no ``--flag``
    (library errors name arguments; the CLI maps them to flags)."""
    flag = re.compile(r"""(Problem|InputError|argument_problem)\([^)]*["']--[a-z]""", re.S)
    bad = [str(p.relative_to(ROOT)) for p in _sources("wfm") if "cli" not in p.parts
           and flag.search(p.read_text(encoding="utf-8"))]
    assert bad == []


def test_the_default_time_zone_is_defined_once():
    literal = [str(p.relative_to(ROOT)) for p in _sources("wfm")
               if re.search(r"""=\s*["']Asia/Shanghai["']""", p.read_text(encoding="utf-8"))]
    assert literal == ["wfm/__init__.py"]


def test_architecture_names_every_package():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = {p.parent.relative_to(ROOT).as_posix().replace("/", ".") for p in PACKAGE.rglob("__init__.py")
                if "__pycache__" not in p.parts}
    missing = sorted(pk for pk in packages if pk != "wfm" and f"`{pk}" not in text and pk.split(".")[-1] + "/" not in text)
    assert missing == []
