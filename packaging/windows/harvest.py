"""Write a WiX v3 fragment installing every file of a folder (the PyInstaller onedir output).

    python packaging/windows/harvest.py dist/outreach -o build/msi/files.wxs

One component per file, in name order, with ids and GUIDs derived from the file's path
(uuid5): the same tree always gives the same fragment, and a file keeps its component GUID
from one build to the next, as Windows Installer's component rules require. outreach.exe
is left out: outreach.wxs declares it, with its Start menu shortcut.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

# Fixed for good: changing it changes every component GUID.
NAMESPACE = uuid.UUID("8f1d7a52-3c0e-5b7a-9e4f-2a6b1c0d9e37")
DIRECTORY_REF = "INSTALLDIR"
GROUP = "HarvestedFiles"
DECLARED = ("outreach.exe",)


def _key(kind: str, relative: str) -> uuid.UUID:
    # Windows paths ignore case, so the GUID does too.
    return uuid.uuid5(NAMESPACE, f"{kind}:{relative.lower()}")


def _id(kind: str, relative: str) -> str:
    return f"{kind}_{_key(kind, relative).hex}"


def fragment(folder: Path, skip: tuple[str, ...] = DECLARED) -> str:
    """The fragment's text for every file under `folder`, minus `skip` at its top."""
    components: list[str] = []
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!-- Written by packaging/windows/harvest.py; do not edit. -->",
        '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">',
        "  <Fragment>",
        f'    <DirectoryRef Id="{DIRECTORY_REF}">',
    ]

    def walk(directory: Path, depth: int) -> None:
        pad = "  " * depth
        entries = sorted(directory.iterdir(), key=lambda p: (p.is_dir(), p.name))
        for entry in entries:
            relative = entry.relative_to(folder).as_posix()
            if entry.is_dir():
                if not any(p.is_file() for p in entry.rglob("*")):
                    continue  # nothing to install there
                name = quoteattr(entry.name)
                lines.append(f'{pad}<Directory Id="{_id("d", relative)}" Name={name}>')
                walk(entry, depth + 1)
                lines.append(f"{pad}</Directory>")
            elif entry.is_file() and not (directory == folder and entry.name in skip):
                component = _id("c", relative)
                guid = str(_key("c", relative)).upper()
                source = quoteattr(f"$(var.SourceDir)/{relative}")
                lines.append(f'{pad}<Component Id="{component}" Guid="{guid}" Win64="yes">')
                lines.append(
                    f'{pad}  <File Id="{_id("f", relative)}" Source={source} KeyPath="yes"/>'
                )
                lines.append(f"{pad}</Component>")
                components.append(component)

    walk(folder, 3)
    lines.append("    </DirectoryRef>")
    lines.append(f'    <ComponentGroup Id="{GROUP}">')
    lines.extend(f'      <ComponentRef Id="{c}"/>' for c in components)
    lines.append("    </ComponentGroup>")
    lines.append("  </Fragment>")
    lines.append("</Wix>")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the PyInstaller onedir output, dist/outreach")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if not (args.folder / DECLARED[0]).is_file():
        parser.error(f"{args.folder} has no {DECLARED[0]}: build the bundle first")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(fragment(args.folder), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
