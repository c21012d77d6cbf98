"""The Windows MSI's structure: built here with msitools' wixl from packaging/windows, read back
with msiinfo. What only Windows can show (installing it) is in the packages workflow.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest

import outreach
from tests.conftest import REQUIRE_REAL_SERVICES

ROOT = Path(__file__).resolve().parents[2]
WINDOWS = ROOT / "packaging" / "windows"
TOOLS = ("wixl", "msiinfo", "msibuild")
PAYLOAD = (
    "outreach.exe",
    "_internal/base_library.zip",
    "_internal/python311.dll",
    "_internal/PySide6/plugins/platforms/qwindows.dll",
    "_internal/outreach/resources/styles/app.qss",
)


def _load(name: str) -> ModuleType:
    sys.path[:0] = [str(WINDOWS), str(WINDOWS.parent)]
    try:
        spec = importlib.util.spec_from_file_location(name, WINDOWS / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        del sys.path[:2]


harvest = _load("harvest")
build_msi = _load("build_msi")


def _tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (Debian: apt-get install msitools wixl)"
        if REQUIRE_REAL_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)


def _payload(folder: Path) -> Path:
    for relative in PAYLOAD:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"not really {path.name}\n", encoding="utf-8")
    (folder / "_internal" / "empty").mkdir()  # nothing to install: left out
    return folder


@pytest.fixture(scope="module")
def msi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _tools()
    base = tmp_path_factory.mktemp("msi")
    output = base / "outreach.msi"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("OUTREACH_BUILD_VERSION", raising=False)
        build_msi.build(_payload(base / "outreach"), output, "wixl", base)
    return output


def table(msi: Path, name: str) -> list[dict[str, str]]:
    """One MSI table as rows of column name to text (msiinfo's export: names, types, keys)."""
    text = subprocess.run(
        ["msiinfo", "export", str(msi), name], check=True, capture_output=True, text=True
    ).stdout
    lines = text.split("\r\n") if "\r\n" in text else text.splitlines()
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in lines[3:] if line]


def properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in table(msi, "Property")}


def test_the_version_is_outreachs(msi: Path) -> None:
    assert properties(msi)["ProductVersion"] == build_msi.msi_version(outreach.__version__)
    assert build_msi.msi_version(outreach.__version__) == outreach.__version__  # x.y.z today


def test_msi_versions_are_what_windows_installer_can_compare() -> None:
    assert build_msi.msi_version("1.2.3") == "1.2.3"
    assert build_msi.msi_version("1.2") == "1.2.0"
    assert build_msi.msi_version("1.4.0rc2") == "1.4.0"
    with pytest.raises(ValueError, match="beyond"):
        build_msi.msi_version("256.0.0")


def test_it_installs_per_machine_for_64_bit_windows(msi: Path) -> None:
    assert properties(msi)["ALLUSERS"] == "1"
    summary = subprocess.run(
        ["msiinfo", "suminfo", str(msi)], check=True, capture_output=True, text=True
    ).stdout
    assert "Template: x64;1033" in summary


def test_hub_address_is_a_secure_public_property_with_no_default(msi: Path) -> None:
    props = properties(msi)
    assert "HUB_ADDRESS" not in props  # nothing is written unless it is given
    assert "HUB_ADDRESS" in props["SecureCustomProperties"].split(";")


def test_the_hub_address_goes_to_group_policy_only_when_given(msi: Path) -> None:
    rows = [r for r in table(msi, "Registry") if r["Name"] == "hub_address"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["Root"], row["Key"], row["Value"]) == (
        "2",  # HKEY_LOCAL_MACHINE
        r"SOFTWARE\Policies\Outreach",
        "[HUB_ADDRESS]",
    )
    component = next(c for c in table(msi, "Component") if c["Component"] == row["Component_"])
    assert component["Condition"] == "HUB_ADDRESS"
    assert int(component["Attributes"]) & 256  # 64-bit: the registry view the app reads


def test_an_upgrade_without_hub_address_keeps_the_one_written_before(msi: Path) -> None:
    (locator,) = table(msi, "RegLocator")
    assert (locator["Root"], locator["Key"], locator["Name"]) == (
        "2",
        r"SOFTWARE\Policies\Outreach",
        "hub_address",
    )
    assert int(locator["Type"]) & 16  # msidbLocatorType64bit
    (search,) = table(msi, "AppSearch")
    assert search == {"Property": "SAVED_HUB_ADDRESS", "Signature_": locator["Signature_"]}
    (action,) = table(msi, "CustomAction")
    assert (action["Source"], action["Target"]) == ("HUB_ADDRESS", "[SAVED_HUB_ADDRESS]")
    sequence = {row["Action"]: row for row in table(msi, "InstallExecuteSequence")}
    keep = sequence[action["Action"]]
    assert keep["Condition"] == "NOT HUB_ADDRESS AND SAVED_HUB_ADDRESS"
    assert int(sequence["AppSearch"]["Sequence"]) < int(keep["Sequence"])
    assert int(keep["Sequence"]) < int(sequence["WriteRegistryValues"]["Sequence"])


def _installed_paths(msi: Path) -> set[str]:
    directories = {row["Directory"]: row for row in table(msi, "Directory")}
    components = {row["Component"]: row for row in table(msi, "Component")}

    def path_of(directory: str) -> list[str]:
        row = directories[directory]
        if not row["Directory_Parent"] or row["Directory_Parent"] == "TARGETDIR":
            return [directory]
        name = row["DefaultDir"].split("|")[-1]  # "short|long" when a short name is kept
        return [*path_of(row["Directory_Parent"]), name]

    return {
        "/".join(
            [*path_of(components[f["Component_"]]["Directory_"]), f["FileName"].split("|")[-1]]
        )
        for f in table(msi, "File")
    }


def test_every_file_of_the_bundle_lands_under_program_files_outreach(msi: Path) -> None:
    assert _installed_paths(msi) == {f"ProgramFiles64Folder/Outreach/{p}" for p in PAYLOAD}
    assert {int(c["Attributes"]) & 256 for c in table(msi, "Component")} == {256}


def test_a_newer_build_replaces_an_older_one(msi: Path) -> None:
    upgrade_code = properties(msi)["UpgradeCode"]
    rows = table(msi, "Upgrade")
    assert {row["UpgradeCode"] for row in rows} == {upgrade_code}
    older = next(row for row in rows if row["ActionProperty"] == "WIX_UPGRADE_DETECTED")
    assert older["VersionMax"] == properties(msi)["ProductVersion"]
    assert any(row["ActionProperty"] == "WIX_DOWNGRADE_DETECTED" for row in rows)
    actions = {row["Action"] for row in table(msi, "InstallExecuteSequence")}
    assert "RemoveExistingProducts" in actions


def test_the_start_menu_has_a_shortcut_to_outreach(msi: Path) -> None:
    (shortcut,) = table(msi, "Shortcut")
    assert (shortcut["Directory_"], shortcut["Name"]) == ("ProgramMenuFolder", "Outreach")
    exe = next(f for f in table(msi, "File") if f["FileName"] == "outreach.exe")
    assert shortcut["Component_"] == exe["Component_"]
    assert shortcut["WkDir"] == "INSTALLDIR"


# --- harvest.py -------------------------------------------------------------------------


def test_the_harvest_is_the_same_wherever_and_whenever_it_runs(tmp_path: Path) -> None:
    first = _payload(tmp_path / "one" / "outreach")
    second = _payload(tmp_path / "two" / "outreach")
    assert harvest.fragment(first) == harvest.fragment(second)
    assert harvest.fragment(first) == harvest.fragment(first)


def test_a_files_component_guid_comes_from_its_path_alone(tmp_path: Path) -> None:
    text = harvest.fragment(_payload(tmp_path / "outreach"))
    expected = uuid.uuid5(harvest.NAMESPACE, "c:_internal/python311.dll")
    assert f'Guid="{str(expected).upper()}"' in text
    # Windows paths ignore case, and so does the GUID.
    assert harvest._key("c", "_Internal/Python311.DLL") == expected
    assert "outreach.exe" not in text  # outreach.wxs declares it, with the shortcut
    assert 'Name="empty"' not in text


def test_the_harvest_lists_files_in_name_order(tmp_path: Path) -> None:
    folder = tmp_path / "outreach"
    for name in ("b.dll", "a.dll", "c.dll"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x", encoding="utf-8")
    text = harvest.fragment(folder)
    assert text.index("/a.dll") < text.index("/b.dll") < text.index("/c.dll")
