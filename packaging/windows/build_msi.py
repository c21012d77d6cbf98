"""Build outreach.msi from the PyInstaller onedir output, versioned from outreach.__version__.

    python packaging/windows/build_msi.py dist/outreach -o dist/outreach-0.1.0.msi --builder wix
    python packaging/windows/build_msi.py dist/outreach -o build/outreach.msi --builder wixl

`wix` runs WiX v3's candle and light (Windows). `wixl` runs msitools' wixl (Linux), which
reads only part of WiX v3; the rows it cannot express (the condition on the hub address
component, the secure properties) are then added to its MSI with msibuild, so both MSIs
have the same tables where it matters. See README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from harvest import fragment  # noqa: E402
from version import build_version  # noqa: E402  (outreach.__version__, the one source)

WXS = HERE / "outreach.wxs"

# What wixl leaves out of outreach.wxs, as SQL on its MSI.
WIXL_ADDITIONS = (
    "UPDATE `Component` SET `Condition` = 'HUB_ADDRESS' WHERE `Component` = 'HubAddressPolicy'",
)
SECURE = ("HUB_ADDRESS", "SAVED_HUB_ADDRESS")


def msi_version(version: str) -> str:
    """The numeric part MSI can compare: 1.2.3rc1 -> 1.2.3 (at most major.minor.build)."""
    found = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if found is None:
        raise ValueError(f"{version!r} does not start with major.minor")
    major, minor, build = int(found[1]), int(found[2]), int(found[3] or 0)
    if major > 255 or minor > 255 or build > 65535:
        raise ValueError(f"{version!r} is beyond what an MSI version can hold")
    return f"{major}.{minor}.{build}"


def _run(command: list[str], cwd: Path | None = None) -> None:
    subprocess.run(command, check=True, cwd=cwd)


def build(source: Path, output: Path, builder: str, work: Path) -> Path:
    """Compile outreach.wxs with a fragment harvested from `source` into `output`."""
    source, output = source.resolve(), output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    # wixl resolves File sources against the folder of the .wxs naming them: keep both
    # sources together in `work` and name the payload relative to it.
    wxs = work / WXS.name
    wxs.write_text(WXS.read_text(encoding="utf-8"), encoding="utf-8")
    files = work / "files.wxs"
    files.write_text(fragment(source), encoding="utf-8")
    defines = {
        "Version": msi_version(build_version()),
        "SourceDir": Path(os.path.relpath(source, work)).as_posix(),
        "Builder": builder,
    }
    if builder == "wix":
        flags = [f"-d{name}={value}" for name, value in defines.items()]
        _run(["candle", "-nologo", "-arch", "x64", *flags, WXS.name, files.name], work)
        objects = [wxs.with_suffix(".wixobj").name, files.with_suffix(".wixobj").name]
        _run(["light", "-nologo", "-out", str(output), *objects], work)
        return output
    flags = [part for name, value in defines.items() for part in ("-D", f"{name}={value}")]
    _run(["wixl", "-a", "x64", *flags, "-o", str(output), wxs.name, files.name], work)
    _run(["msibuild", str(output), "-q", *WIXL_ADDITIONS], work)
    _make_secure(output)
    return output


def _make_secure(msi: Path) -> None:
    """Add our public properties to SecureCustomProperties, as WiX does for Secure="yes"."""
    listed = subprocess.run(
        ["msiinfo", "export", str(msi), "Property"], check=True, capture_output=True, text=True
    ).stdout
    current = next(
        (line.split("\t", 1)[1] for line in listed.splitlines()
         if line.startswith("SecureCustomProperties\t")),
        "",
    )  # fmt: skip
    names = [name for name in current.split(";") if name]
    names += [name for name in SECURE if name not in names]
    value = ";".join(names)
    # Property names only (ours above, and wixl's own): nothing to quote.
    table, row = "`Property`", "'SecureCustomProperties'"
    if current:
        query = f"UPDATE {table} SET `Value` = '{value}' WHERE `Property` = {row}"  # noqa: S608
    else:
        query = f"INSERT INTO {table} (`Property`, `Value`) VALUES ({row}, '{value}')"  # noqa: S608
    _run(["msibuild", str(msi), "-q", query])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the PyInstaller onedir output, dist/outreach")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--builder", choices=("wix", "wixl"), default="wix")
    args = parser.parse_args(argv)
    if not (args.folder / "outreach.exe").is_file():
        parser.error(f"{args.folder} has no outreach.exe: build the bundle first")
    with tempfile.TemporaryDirectory() as work:
        build(args.folder, args.output, args.builder, Path(work))
    print(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
