""" "Also seen with": what links a contact or a young person to others, as escaped HTML."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

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


def named_in(connections: Sequence[Connection]) -> list[str]:
    """The young people ``write_connections`` names, to look up in one go."""
    return list(dict.fromkeys(s.person_id for link in connections for s in link.young_people))


def write_connections(
    w: DocWriter, connections: Sequence[Connection], person: Callable[[str], YoungPerson | None]
) -> None:
    """``person`` is called for every name shown, thousands for a busy young person: give
    it a dict's ``get`` filled from ``named_in`` rather than a query per call."""
    if not connections:
        return
    w.heading(translate("Connections", "Also seen with"), 3)
    today = date.today()
    # The same young people and days come up under many links: each is worded once.
    names: dict[str, str] = {}
    days: dict[str, str] = {}
    lines = []
    for link in connections:
        what = f"{entity_label(link.entity.kind)} {link.entity.label}"
        if link.other.id != link.entity.id:
            what += " ~ " + link.other.label
        parts = []
        for seen in link.young_people:
            name = names.get(seen.person_id)
            if name is None:
                found = person(seen.person_id)
                name = names[seen.person_id] = person_label(found, today) if found else "?"
            day = days.get(seen.last_at)
            if day is None:
                day = days[seen.last_at] = seen.last.astimezone().strftime("%d %b %Y")
            parts.append(
                translate("Connections", "%1, %2 times, last %3")
                .replace("%1", name)
                .replace("%2", str(seen.times))
                .replace("%3", day)
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
