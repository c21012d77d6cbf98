"""What packaging/outreach.spec leaves out of the desktop bundle, the desktop app's code
never imports: a module left out is an ImportError only in the installed app."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "src" / "outreach"
SERVER_ONLY = DESKTOP / "hub"


def _excluded() -> list[str]:
    spec = ast.parse((ROOT / "packaging" / "outreach.spec").read_text("utf-8"))
    for node in spec.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXCLUDED":
            return list(ast.literal_eval(node.value))
    raise AssertionError("no EXCLUDED list in the spec")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module == "concurrent.futures":  # its process pool needs multiprocessing
                found.update(
                    "multiprocessing" for a in node.names if a.name == "ProcessPoolExecutor"
                )
        elif isinstance(node, ast.Attribute) and node.attr == "ProcessPoolExecutor":
            found.add("multiprocessing")
    return found


def _covers(excluded: str, module: str) -> bool:
    return module == excluded or module.startswith(excluded + ".")


def test_the_spec_leaves_out_multiprocessing_and_the_hub() -> None:
    excluded = _excluded()
    assert "multiprocessing" in excluded  # its runtime hook cost every start about 20 ms
    assert "outreach.hub" in excluded


def test_no_desktop_module_imports_what_the_bundle_leaves_out() -> None:
    excluded = [name for name in _excluded() if name != "outreach.hub"]
    offending = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in DESKTOP.rglob("*.py")
        if SERVER_ONLY not in path.parents
        for module in _imports(path)
        if any(_covers(name, module) for name in excluded)
    ]
    assert offending == []


def test_the_scan_sees_an_excluded_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    for line in (
        "from multiprocessing import Pool",
        "from concurrent.futures import ProcessPoolExecutor",
        "import concurrent.futures as cf; cf.ProcessPoolExecutor()",
    ):
        sample.write_text(f"def f():\n    {line}\n", "utf-8")
        assert any(_covers("multiprocessing", module) for module in _imports(sample)), line
