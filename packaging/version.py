"""Print the version every package is built as: `outreach.__version__`, the one source.

    python3 packaging/version.py

OUTREACH_BUILD_VERSION overrides it, for the upgrade test only (an older build of the same
tree). Read as text, so any Python without the app's dependencies can run this.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

VERSION_FILE = Path(__file__).resolve().parents[1] / "src" / "outreach" / "__init__.py"
OVERRIDE_ENV = "OUTREACH_BUILD_VERSION"


def source_version() -> str:
    tree = ast.parse(VERSION_FILE.read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__version__" for target in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise SystemExit(f"no __version__ in {VERSION_FILE}")


def build_version() -> str:
    return os.environ.get(OVERRIDE_ENV) or source_version()


if __name__ == "__main__":
    print(build_version())
