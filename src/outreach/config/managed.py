"""Policy from the OS's managed store: Group Policy on Windows, managed preferences on macOS.

Each reader turns what it finds into `ManagedValues` with Python types; `policy.merged`
checks them like the file's. Readers take what touches the OS as an argument, so the
conversion runs in tests anywhere (winreg exists only on Windows).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from outreach.config.policy import (
    GROUP_POLICY,
    MANAGED_PREFERENCES,
    ManagedValues,
    PolicyError,
    key_named,
    value_kind,
)

REGISTRY_KEY = r"SOFTWARE\Policies\Outreach"
# Computer policy before user policy, as Windows itself ranks them.
REGISTRY_HIVES = ("HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER")
PLIST_DOMAIN = "org.outreach.app"
MANAGED_PREFERENCES_DIR = Path("/Library/Managed Preferences")

# winreg's value types, by number, so the conversion can be tested off Windows.
REG_SZ, REG_EXPAND_SZ, REG_DWORD, REG_MULTI_SZ, REG_QWORD = 1, 2, 4, 7, 11

# (value name, data, type) as winreg.EnumValue gives them; None when the key is absent.
RegistryValues = list[tuple[str, Any, int]]
RegistryReader = Callable[[str, str], RegistryValues | None]


class _WrongType(Exception):
    pass


def _from_registry(kind: str, data: Any, reg_type: int) -> Any:
    if kind in ("bool", "int") and reg_type in (REG_DWORD, REG_QWORD) and isinstance(data, int):
        if kind == "int":
            return data
        if data in (0, 1):
            return bool(data)
        return data  # neither 0 nor 1: left a number so the check refuses it
    if kind == "text" and reg_type == REG_SZ and isinstance(data, str):
        return data
    if kind == "text" and reg_type == REG_MULTI_SZ and isinstance(data, list):
        # A PEM pasted into a multi-line Group Policy box arrives one line per string; one
        # line (a file path, a base64 key) is taken as it is.
        lines = [str(line) for line in data]
        return lines[0] if len(lines) == 1 else "\n".join(lines) + "\n"
    raise _WrongType


def registry_source(where: str, entries: Iterable[tuple[str, Any, int]]) -> ManagedValues:
    """Registry values as policy: REG_DWORD for numbers and true/false, REG_SZ for text."""
    values: dict[str, Any] = {}
    path = Path(where)
    for raw_name, data, reg_type in entries:
        if raw_name == "":
            continue  # the key's unnamed default value, which Group Policy never writes
        name = raw_name.lower()  # registry names are case-insensitive
        key = key_named(name)
        if key is None:
            raise PolicyError(path, "unknown_key", raw_name, layer=GROUP_POLICY)
        try:
            values[name] = _from_registry(value_kind(key), data, reg_type)
        except _WrongType:
            raise PolicyError(path, "bad_value", name, key.expects, layer=GROUP_POLICY) from None
    return ManagedValues(GROUP_POLICY, path, values)


def _winreg_values(hive: str, subkey: str) -> RegistryValues | None:
    if sys.platform != "win32":
        return None
    import winreg

    root = getattr(winreg, hive)
    try:
        # The 64-bit view, whatever the build: that is where the MSI and Group Policy write.
        with winreg.OpenKey(root, subkey, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY) as key:
            count = winreg.QueryInfoKey(key)[1]
            return [winreg.EnumValue(key, i) for i in range(count)]
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PolicyError(Path(rf"{hive}\{subkey}"), "unreadable", layer=GROUP_POLICY) from exc


def windows_sources(read: RegistryReader = _winreg_values) -> list[ManagedValues]:
    found = []
    for hive in REGISTRY_HIVES:
        entries = read(hive, REGISTRY_KEY)
        if entries is not None:
            found.append(registry_source(rf"{hive}\{REGISTRY_KEY}", entries))
    return found


def plist_source(path: Path) -> ManagedValues | None:
    """A managed preferences plist (binary or XML) as policy; None when there is none."""
    import plistlib  # macOS only: not loaded before the first window elsewhere

    try:
        with path.open("rb") as file:
            data = plistlib.load(file)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PolicyError(path, "unreadable", layer=MANAGED_PREFERENCES) from exc
    except Exception as exc:  # plistlib raises several kinds for a damaged file
        raise PolicyError(
            path, "syntax", expects=type(exc).__name__, layer=MANAGED_PREFERENCES
        ) from exc
    if not isinstance(data, dict):
        raise PolicyError(path, "syntax", expects="a dictionary", layer=MANAGED_PREFERENCES)
    # Profile bookkeeping (PayloadUUID, ...) is never a setting of ours.
    values = {k: v for k, v in data.items() if not str(k).startswith("Payload")}
    return ManagedValues(MANAGED_PREFERENCES, path, values)


def _login_name() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def macos_sources(
    user: str | None = None, folder: Path = MANAGED_PREFERENCES_DIR
) -> list[ManagedValues]:
    """The device's managed preferences, then the user's, as macOS ranks them."""
    name = f"{PLIST_DOMAIN}.plist"
    paths = [folder / name]
    who = user if user is not None else _login_name()
    if who and "/" not in who:
        paths.append(folder / who / name)
    return [source for source in map(plist_source, paths) if source is not None]


def system_sources() -> Sequence[ManagedValues]:
    """This OS's managed policy; Linux has no such store (the policy file is the layer)."""
    if sys.platform == "win32":
        return windows_sources()
    if sys.platform == "darwin":
        return macos_sources()
    return []
