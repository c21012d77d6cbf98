"""Strings are extracted with the context they are looked up in, so translations apply.

A pseudo-locale built from the real source with Qt's own tools (pyside6-lupdate and
pyside6-lrelease) must change what the widgets show.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

SRC = Path(__file__).resolve().parents[1] / "src" / "outreach"


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        pytest.fail(f"{name} is missing: it ships with PySide6")
    return found


def _pseudo(text: str) -> str:
    # Stretch by about a third and bracket, keeping %1 and %n placeholders intact.
    return "[" + re.sub(r"([aeiou])", r"\1\1", text) + "]"


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> ElementTree.ElementTree:
    folder = tmp_path_factory.mktemp("i18n")
    ts = folder / "outreach_pseudo.ts"
    sources = [str(p) for p in sorted(SRC.rglob("*.py"))]
    subprocess.run(
        [_tool("pyside6-lupdate"), *sources, "-ts", str(ts)], check=True, capture_output=True
    )
    return ElementTree.parse(ts)  # noqa: S314 (our own tool output)


def test_every_string_has_a_context(catalogue: ElementTree.ElementTree) -> None:
    contexts = {c.findtext("name") or "" for c in catalogue.getroot().iter("context")}
    assert "" not in contexts
    assert {"Messages", "SetupPage", "UnlockPage", "MainWindow"} <= contexts


def test_a_pseudo_locale_reaches_the_widgets(
    qapp: object, catalogue: ElementTree.ElementTree, tmp_path: Path
) -> None:
    root = catalogue.getroot()
    root.set("language", "en_GB")  # two plural forms, as English has
    for message in root.iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None
        translation.attrib.pop("type", None)
        if message.get("numerus") == "yes":
            for old in list(translation):
                translation.remove(old)
            for _ in range(2):
                ElementTree.SubElement(translation, "numerusform").text = _pseudo(source)
        else:
            translation.text = _pseudo(source)
    ts = tmp_path / "pseudo.ts"
    qm = tmp_path / "pseudo.qm"
    catalogue.write(ts, encoding="utf-8", xml_declaration=True)
    subprocess.run(
        [_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True, capture_output=True
    )

    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        from outreach.app.messages import wait_text
        from outreach.ui.setup_page import SetupPage

        page = SetupPage(recovery_by_agency=False, keyring_note="")
        assert page.create_button.text() == _pseudo("Create vault")
        assert wait_text(3) == _pseudo("Please wait before trying again (%1 s).").replace("%1", "3")
        page.deleteLater()
    finally:
        QCoreApplication.removeTranslator(translator)
