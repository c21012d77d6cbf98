""" "Also seen with": what links a contact or a young person to others, as escaped HTML."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication

from outreach.links.index import Connection
from outreach.records.model import YoungPerson
from outreach.ui.labels import entity_label, person_label
from outreach.ui.richtext import DocWriter

translate = QCoreApplication.translate


def match_label(match: str) -> str:
    if match == "same":
        return translate("Connections", "same")
    if match == "confirmed":
        return translate("Connections", "confirmed as the same")
    return translate("Connections", "possibly the same")


def write_connections(
    w: DocWriter, connections: Sequence[Connection], person: Callable[[str], YoungPerson | None]
) -> None:
    if not connections:
        return
    w.heading(translate("Connections", "Also seen with"), 3)
    lines = []
    for link in connections:
        what = f"{entity_label(link.entity.kind)} {link.entity.label}"
        if link.other.id != link.entity.id:
            what += " ~ " + link.other.label
        parts = []
        for seen in link.young_people:
            found = person(seen.person_id)
            name = person_label(found) if found else "?"
            parts.append(
                translate("Connections", "%1, %2 times, last %3")
                .replace("%1", name)
                .replace("%2", str(seen.times))
                .replace("%3", seen.last.astimezone().strftime("%d %b %Y"))
            )
        if link.more_people:
            parts.append(
                translate("Connections", "and %1 other young people").replace(
                    "%1", str(link.more_people)
                )
            )
        if link.unnamed:
            parts.append(
                translate("Connections", "with no young person recorded: %1").replace(
                    "%1", str(link.unnamed)
                )
            )
        lines.append(f"{what} ({match_label(link.match)}): {'; '.join(parts)}")
    w.bullets(lines)
