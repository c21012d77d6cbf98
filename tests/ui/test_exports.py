"""Exports of a made-up young person, read back: PDF with pdftotext, CSV and JSON parsed."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt

from outreach.config.policy import Policy
from outreach.records.model import (
    BodyMark,
    Contact,
    InjuryDetails,
    MissingDetails,
    Observation,
    OnlineHandle,
    PersonDetails,
    PhoneDetails,
    PlaceDetails,
    Provenance,
    VehicleDetails,
    YoungPerson,
)
from outreach.records.store import RecordStore
from outreach.ui.exports import ChronologyDialog, Exporter
from outreach.vault import audit
from tests.conftest import PASSPHRASE, REQUIRE_REAL_SERVICES
from tests.ui.conftest import unlock

NOW = datetime.now(UTC).replace(microsecond=0)


def pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        if REQUIRE_REAL_SERVICES:
            pytest.fail("pdftotext (poppler-utils) is needed to read exports back")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run([tool, str(path), "-"], capture_output=True, text=True, check=True)
    # Reading order keeps each table cell together; its line breaks are only wrapping.
    return " ".join(done.stdout.split())


def _vault(make_vault, others: bool = True) -> str:
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    tam = store.add_person(YoungPerson("Zibby", estimated_age=14, agency_ref="DEMO-00042")).id
    kes = store.add_person(YoungPerson("Kestrin", estimated_age=15)).id
    went = NOW - timedelta(days=20, hours=30)
    store.seal(
        Contact(
            started_at=NOW - timedelta(days=20),
            people=(tam,),
            narrative="Came back after two nights away. Quiet and tired.",
            worry=7,
            observations=(
                Observation(
                    MissingDetails(
                        went_missing=went,
                        came_back=went + timedelta(hours=40),
                        where_found="Lantern Hotel",
                        who_with="Big Dazzo",
                    ),
                    Provenance.TOLD_BY_OTHER,
                ),
                Observation(
                    InjuryDetails(
                        marks=(BodyMark("front", 0.76, 0.44, "left forearm"),),
                        explanation_in_own_words="I fell over",
                    ),
                    Provenance.SEEN,
                ),
            ),
        )
    )
    store.seal(
        Contact(
            started_at=NOW - timedelta(days=5),
            people=(tam,),
            place="Golden Spoon Takeaway",
            narrative="Saw Zibby get into a silver Corsa outside the takeaway.",
            observations=(
                Observation(
                    VehicleDetails(registration="XK19 QPB", colour="silver", make="Vauxhall")
                ),
                Observation(
                    PersonDetails(
                        nicknames=("Big Dazzo",),
                        phone_numbers=("07700 900123",),
                        approximate_age=35,
                        role="adult_of_concern",
                    ),
                    Provenance.TOLD_BY_YOUNG_PERSON,
                ),
                Observation(
                    PhoneDetails(
                        numbers=("07700 900456",), handles=(OnlineHandle("snapchat", "zib_09"),)
                    )
                ),
                Observation(
                    PlaceDetails(
                        name="Golden Spoon Takeaway", area="Northfield", place_kind="takeaway"
                    )
                ),
            ),
        )
    )
    if others:
        store.seal(
            Contact(
                started_at=NOW - timedelta(days=2),
                people=(kes,),
                observations=(Observation(VehicleDetails(registration="xk19qpb")),),
            )
        )
    opened.close()
    return tam


def _exporter(shell) -> Exporter:
    return Exporter(shell.records, "OFFICIAL-SENSITIVE", "worker-account")


def test_chronology_exports_read_back_with_dates_events_and_marking(
    qtbot, make_shell, make_vault, tmp_path
) -> None:
    tam = _vault(make_vault)
    shell = make_shell()
    unlock(qtbot, shell)
    person = shell.records.person(tam)
    chosen = []
    dialog = ChronologyDialog(
        shell.records, _exporter(shell), person,
        lambda _parent, name, _filter: chosen.append(name) or tmp_path / name,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    model = dialog.model
    events = [entry.event for entry in model.entries]
    assert any(e.startswith("Missing, for about 40 hours, found at Lantern Hotel") for e in events)
    assert any("Injury seen (left forearm)" in e for e in events)
    # The worker marks the sighting significant and rewords it; blaming words are shown.
    row = next(i for i, e in enumerate(model.entries) if e.event.startswith("Saw Zibby"))
    model.setData(model.index(row, 0), 2, Qt.ItemDataRole.CheckStateRole)
    model.setData(model.index(row, 2), "Seen getting into a silver Corsa; she is streetwise")
    assert model.index(row, 6).data() == "streetwise"
    kept = shell.records.chronology(tam)  # kept as typed, before any save or export
    assert any(e.event.startswith("Seen getting into") and e.significant for e in kept)

    pdf = dialog.export("pdf")
    text = pdf_text(pdf)
    assert text.count("OFFICIAL-SENSITIVE") >= 2
    assert "Page 1 of 1" in text
    assert "worker-account" in text
    assert "Lantern Hotel" in text
    assert "Seen getting into a silver Corsa" in text
    assert (NOW - timedelta(days=5)).astimezone().strftime("%d %b %Y") in text

    csv_path = dialog.export("csv")
    rows = list(csv.reader(io.StringIO(csv_path.read_text("utf-8"))))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    assert rows[1] == ["date", "event", "source", "impact", "action"]
    assert len(rows) == 2 + 3  # missing, injury, the sighting marked significant
    assert any(r[1].startswith("Seen getting into a silver Corsa") for r in rows[2:])
    # Saved: opening it again shows the worker's wording.
    again = shell.records.chronology(tam)
    assert any(e.event.startswith("Seen getting into") and e.significant for e in again)
    actions = [(e.action, e.detail) for e in _audit(make_vault)]
    assert ("export_made", f"chronology_pdf {tam}") in actions
    assert ("export_made", f"chronology_csv {tam}") in actions


def _audit(make_vault):
    opened = make_vault().unlock(PASSPHRASE)
    try:
        return audit.entries(opened.db)
    finally:
        opened.close()


def test_intelligence_export_is_who_what_where_when_how_known(
    qtbot, make_shell, make_vault, tmp_path
) -> None:
    tam = _vault(make_vault)
    shell = make_shell()
    unlock(qtbot, shell)
    person = shell.records.person(tam)
    exporter = _exporter(shell)
    exporter.intelligence_json(person, tmp_path / "intel.json")
    document = json.loads((tmp_path / "intel.json").read_text("utf-8"))
    assert document["protective_marking"] == "OFFICIAL-SENSITIVE"
    assert document["submitted_by"] is None  # the worker chose not to be named
    assert document["subject"] == {"known_as": "Zibby", "agency_ref": "DEMO-00042", "age": 14}
    by_id = {(i["what"], i["canonical"]): i for i in document["items"]}
    car = by_id[("vehicle", "XK19QPB")]
    assert car["identifier"] == "XK19 QPB"
    assert car["where"] == ["Golden Spoon Takeaway"]
    assert car["who"]["also_seen_with"] == ["Kestrin"]
    assert car["how_known"] == ["seen"]
    assert car["when"]["times"] == 1
    assert by_id[("phone", "+447700900123")]["how_known"] == ["told_by_young_person"]
    assert ("handle", "snapchat:zib_09") in by_id

    exporter.intelligence_pdf(person, tmp_path / "intel.pdf", submitted_by="")
    text = pdf_text(tmp_path / "intel.pdf")
    assert "XK19 QPB" in text
    assert "Kestrin" in text
    assert "worker-account" not in text  # not named unless they choose
    # Recorded values in words, as the missing-person pack gives them.
    for words in ("aged about 35", "Adult of concern", "(Takeaway)"):
        assert words in text, words
    assert "adult_of_concern" not in text
    exporter.intelligence_pdf(person, tmp_path / "named.pdf", submitted_by="A. Worker")
    assert "A. Worker" in pdf_text(tmp_path / "named.pdf")


def test_the_missing_person_pack_holds_what_police_need(
    qtbot, make_shell, make_vault, tmp_path
) -> None:
    tam = _vault(make_vault)
    shell = make_shell()
    unlock(qtbot, shell)
    _exporter(shell).missing_pdf(shell.records.person(tam), tmp_path / "missing.pdf")
    text = pdf_text(tmp_path / "missing.pdf")
    for expected in (
        "Missing-person pack", "Zibby", "DEMO-00042", "07700 900456", "zib_09", "Big Dazzo",
        "07700 900123", "Golden Spoon Takeaway", "Northfield", "XK19 QPB", "Lantern Hotel",
    ):  # fmt: skip
        assert expected in text, expected


def test_policy_can_turn_exports_off(qtbot, make_shell, make_vault) -> None:
    tam = _vault(make_vault, others=False)
    shell = make_shell(Policy(exports_allowed=False))
    unlock(qtbot, shell)
    workspace = shell.window.workspace
    workspace.people.select(tam)
    assert not workspace.people.export_button.isVisible()
    calls = []
    assert workspace.export("missing_pdf", lambda *a: calls.append(a)) is None
    assert calls == []  # never even asked where to write


def test_nothing_is_written_when_the_worker_cancels(
    qtbot, make_shell, make_vault, tmp_path
) -> None:
    tam = _vault(make_vault, others=False)
    shell = make_shell()
    unlock(qtbot, shell)
    workspace = shell.window.workspace
    workspace.people.select(tam)
    assert workspace.export("intelligence_json", lambda *a: None) is None
    assert list(tmp_path.iterdir()) == [tmp_path / "data"] or not list(tmp_path.glob("*.json"))
    written = workspace.export("intelligence_json", lambda _p, name, _f: tmp_path / name)
    assert written == tmp_path / "intelligence-Zibby.json"
    assert json.loads(written.read_text("utf-8"))["subject"]["known_as"] == "Zibby"


def test_long_exports_run_over_pages_each_marked_and_numbered(qapp, tmp_path) -> None:
    from outreach.ui.exports import write_pdf

    def body(w) -> None:
        for n in range(1, 301):
            w.paragraph(f"Event number {n} at the park.")

    pages = write_pdf(
        tmp_path / "long.pdf", body, title="Chronology", marking="OFFICIAL-SENSITIVE",
        made_by="worker-account", made_at=datetime.now(UTC),
    )  # fmt: skip
    assert pages > 2
    text = pdf_text(tmp_path / "long.pdf")
    assert text.count("OFFICIAL-SENSITIVE") == 2 * pages
    assert f"Page 1 of {pages}" in text
    assert f"Page {pages} of {pages}" in text
    for n in (1, 150, 300):  # nothing lost at the page breaks
        assert f"Event number {n} at the park." in text


def test_the_worker_is_warned_before_choosing_where_a_file_goes(qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

    from outreach.ui import exports

    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        lambda *a, **k: asked.append("warned") or QMessageBox.StandardButton.Cancel,
    )
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *a, **k: asked.append("chose") or (str(tmp_path / "x.pdf"), ""),
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    assert exports.choose_path(parent, "x.pdf", "PDF (*.pdf)") is None
    assert asked == ["warned"]  # cancelled: never asked where
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        lambda *a, **k: asked.append("warned") or QMessageBox.StandardButton.Save,
    )
    assert exports.choose_path(parent, "x.pdf", "PDF (*.pdf)") == tmp_path / "x.pdf"
    assert asked == ["warned", "warned", "chose"]


LONG_MARKING = "OFFICIAL-SENSITIVE PERSONAL: NO ONWARD SHARING WITHOUT DSL 12"  # 60, the most


@pytest.mark.parametrize("marking", ["OFFICIAL-SENSITIVE", LONG_MARKING])
@pytest.mark.parametrize("made_by", ["firstname.lastname", "A. Worker, " * 12])
def test_the_marking_has_lines_of_its_own_that_nothing_overprints(
    qapp, tmp_path, marking, made_by
) -> None:
    from PySide6.QtGui import QFont, QFontMetricsF, QPageSize, QPdfWriter

    from outreach.ui.exports import made_line, page_furniture

    writer = QPdfWriter(str(tmp_path / "measure.pdf"))  # measured as write_pdf measures
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(96)
    page = writer.pageLayout().paintRectPixels(writer.resolution()).size().toSizeF()
    metrics = QFontMetricsF(QFont(), writer)
    furniture = page_furniture(
        metrics,
        page,
        title="Intelligence report",
        marking=marking,
        made=made_line(made_by, NOW),
    )
    texts = furniture.texts
    assert [t.what for t in texts].count("marking") == 2  # top and bottom
    assert {t.what for t in texts} == {"marking", "title", "made", "page"}
    for n, one in enumerate(texts):
        assert QRectF(0, 0, page.width(), page.height()).contains(one.rect), one.what
        assert not one.rect.intersects(furniture.body), one.what
        if one.what != "made" or len(made_by) < 40:  # one line, whole: nothing cut off
            assert one.rect.width() >= metrics.horizontalAdvance(one.text), one.what
        for other in texts[n + 1 :]:
            assert not one.rect.intersects(other.rect), (one.what, other.what)
    markings = [t for t in texts if t.what == "marking"]
    assert markings[0].rect.top() == 0
    assert markings[1].rect.bottom() == page.height()


def test_when_an_export_was_made_is_written_the_workers_way(qapp) -> None:
    from PySide6.QtCore import QLocale

    from outreach.ui.exports import made_line

    made = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    before = QLocale()
    try:
        QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
        assert "Dezember 2026" in made_line("worker-account", made)
        QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
        assert "décembre 2026" in made_line("worker-account", made)
    finally:
        QLocale.setDefault(before)


def _shared_vault(make_vault) -> str:
    """Zibby alone once; Zibby and Kestrin together once, with Kestrin's injury and
    missing episode recorded."""
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    zib = store.add_person(YoungPerson("Zibby", estimated_age=14)).id
    kes = store.add_person(YoungPerson("Kestrin", estimated_age=15)).id
    went = NOW - timedelta(days=6)
    store.seal(
        Contact(
            started_at=NOW - timedelta(days=2),
            people=(zib, kes),
            narrative="Kestrin had a bruised arm. Zibby was fine.",
            observations=(
                Observation(
                    InjuryDetails(
                        marks=(BodyMark("front", 0.5, 0.5, "left forearm"),),
                        explanation_in_own_words="Kestrin: my stepdad grabbed me",
                    )
                ),
                Observation(
                    MissingDetails(
                        went_missing=went,
                        came_back=went + timedelta(hours=20),
                        where_found="Kestrin's cousin's flat",
                    )
                ),
            ),
        )
    )
    store.seal(
        Contact(
            started_at=NOW - timedelta(days=1),
            people=(zib,),
            observations=(
                Observation(
                    MissingDetails(
                        went_missing=went - timedelta(days=9),
                        came_back=went - timedelta(days=8),
                        where_found="Lantern Hotel",
                    )
                ),
            ),
        )
    )
    opened.close()
    return zib


def test_events_that_may_be_another_childs_are_flagged_and_only_edits_are_kept(
    qtbot, make_shell, make_vault, tmp_path
) -> None:
    zib = _shared_vault(make_vault)
    shell = make_shell()
    unlock(qtbot, shell)
    dialog = ChronologyDialog(
        shell.records, _exporter(shell), shell.records.person(zib),
        lambda _parent, name, _filter: tmp_path / name,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    model = dialog.model
    shared_column = model.columnCount() - 1
    rows = {e.event.split(",")[0].split(" (")[0]: n for n, e in enumerate(model.entries)}
    injury = rows["Injury seen"]
    assert model.index(injury, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert model.index(injury, shared_column).data()  # flagged for the worker to decide
    assert "another child" in model.index(injury, shared_column).data(Qt.ItemDataRole.ToolTipRole)
    own = next(n for n, e in enumerate(model.entries) if "Lantern Hotel" in e.event)
    assert model.index(own, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert not model.index(own, shared_column).data()

    csv_text = dialog.export("csv").read_text("utf-8")
    assert "stepdad" not in csv_text
    assert "cousin" not in csv_text
    assert "Lantern Hotel" in csv_text

    # The worker reads it, decides it is not Zibby's, and words their own episode.
    with qtbot.waitSignal(model.dataChanged):
        model.setData(model.index(own, 4), "Missed school")
    stored = _chronology_rows(make_vault)
    assert list(stored.values()) == [(None, "Missed school", None, None)]
    assert "stepdad" not in str(stored)


def _chronology_rows(make_vault) -> dict[str, tuple[object, ...]]:
    opened = make_vault().unlock(PASSPHRASE)
    try:
        return {
            key: tuple(rest)
            for key, *rest in opened.db.query(
                "SELECT key, event, impact, action, significant FROM chronology"
            )
        }
    finally:
        opened.close()


def test_the_missing_pack_leaves_out_what_may_be_another_childs(
    qtbot, make_shell, make_vault, tmp_path
) -> None:
    zib = _shared_vault(make_vault)
    shell = make_shell()
    unlock(qtbot, shell)
    _exporter(shell).missing_pdf(shell.records.person(zib), tmp_path / "missing.pdf")
    text = pdf_text(tmp_path / "missing.pdf")
    assert "Lantern Hotel" in text
    assert "cousin" not in text
    assert "1 missing episode(s) from contacts with other young people not listed" in text
