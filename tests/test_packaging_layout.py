"""The wheel's package list is written out by hand; keep it in step with the tree."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_in_the_tree_is_listed_for_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT / "src").parts)
        for init in (ROOT / "src" / "outreach").rglob("__init__.py")
    }
    data = {
        "outreach.resources." + folder.name
        for folder in (ROOT / "resources").iterdir()
        if folder.is_dir() and folder.name != "__pycache__"
    }
    assert found | {"outreach.resources"} | data == listed


def test_resources_are_found_through_importlib() -> None:
    from importlib import resources

    sheet = resources.files("outreach.resources") / "styles" / "app.qss"
    assert "QLabel#error" in sheet.read_text("utf-8")
