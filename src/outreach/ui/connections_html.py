""" "Also seen with": what links a contact or a young person to others, as escaped HTML."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication

from outreach.links.index import Connection
from outreach.records.model import YoungPerson
from outreach.ui.labels import entity_label, person_label

translate = QCoreApplication.translate


def match_label(match: str) -> str:
    if match == "same":
        return translate("Connections", "same")
    if match == "confirmed":
        return translate("Connections", "confirmed as the same")
    return translate("Connections", "possibly the same")


def connections_html(
    connections: Sequence[Connection], person: Callable[[str], YoungPerson | None]
) -> str:
    e = html.escape
    if not connections:
        return ""
    out = [f"<h3>{e(translate('Connections', 'Also seen with'))}</h3><ul>"]
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
        out.append(
            f"<li><b>{e(what)}</b> ({e(match_label(link.match))}): {e('; '.join(parts))}</li>"
        )
    out.append("</ul>")
    return "".join(out)
