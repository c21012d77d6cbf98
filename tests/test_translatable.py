"""Every user-visible string goes through Qt's translation: no bare literals in widgets."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "outreach"

# Calls whose first argument is shown to a person.
_SHOWN = {
    "setText",
    "setWindowTitle",
    "setPlaceholderText",
    "setToolTip",
    "setAccessibleName",
    "showMessage",
    "addMenu",
    "addRow",
    "setSuffix",
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QAction",
    "information",
    "warning",
    "critical",
}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _bare_literals(path: Path, root: Path = SRC) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call) or _name(node.func) not in _SHOWN:
            continue
        if isinstance(node.func, ast.Attribute) and _name(node.func.value) == "log":
            continue  # log.warning(...) writes to the log, which is never translated
        for arg in node.args[:3]:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
                found.append(f"{path.relative_to(root)}:{node.lineno}: {arg.value!r}")
    return found


def test_no_widget_is_given_an_untranslated_literal() -> None:
    offenders = [hit for path in sorted(SRC.rglob("*.py")) for hit in _bare_literals(path)]
    assert offenders == []


def test_the_check_sees_a_bare_literal(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('label = QLabel("Hello")\nok = QLabel(tr("Hello"))\n', "utf-8")
    assert len(_bare_literals(sample, tmp_path)) == 1
