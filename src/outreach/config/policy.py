"""IT policy: what the organisation sets, laid over the worker's settings key by key.

Layers, most authoritative first: the OS's managed store (Group Policy in the Windows
registry, managed preferences on macOS; `config/managed.py` reads them), then the
machine-wide `policy.toml`, then the worker's own settings in the vault, then defaults.
An unreadable source, a bad value or an unknown key stops the app with a message naming
the source and the key: a policy IT believes is in force must never be silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

import platformdirs

from outreach.config.paths import APP_ID

POLICY_FILE_NAME = "policy.toml"
POLICY_ENV = "OUTREACH_POLICY_FILE"


# The small records are NamedTuples rather than frozen dataclasses: a dataclass costs about
# a millisecond to define, and this module is read before the app's first window shows.
class PolicyKey(NamedTuple):
    name: str
    default: Any
    check: Callable[[Any], bool]
    expects: str
    summary: str


@dataclass(frozen=True)  # a dataclass: mypy does not see a NamedTuple's __call__
class IntBetween:
    """A whole number in a range; the bounds are read again by the Group Policy template."""

    low: int
    high: int

    def __call__(self, value: Any) -> bool:
        whole = isinstance(value, int) and not isinstance(value, bool)
        return whole and self.low <= value <= self.high


@dataclass(frozen=True)
class OneOf:
    """One of a few words; listed as a drop-down in the Group Policy template."""

    choices: tuple[str, ...]

    def __call__(self, value: Any) -> bool:
        return value in self.choices


def _int_between(low: int, high: int) -> IntBetween:
    return IntBetween(low, high)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _optional_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _valid_recovery_key(value: Any) -> bool:
    from outreach.vault.crypto import load_recovery_public_key

    if not _optional_text(value):
        return False
    try:
        load_recovery_public_key(value)
    except ValueError:
        return False
    return True


def _hub_address(value: Any) -> bool:
    from outreach.config.hub import BadAddress, check_address

    if value is None:
        return True
    try:
        check_address(value) if isinstance(value, str) else None
    except BadAddress:
        return False
    return isinstance(value, str)


def _pinned_ca(value: Any) -> bool:
    """PEM text or a PEM file's path that holds a certificate TLS can load: checked when
    policy is read, so a pin that cannot work stops the app naming this key, rather than
    every enrolment and sync failing later."""
    if value is None:
        return True
    if not isinstance(value, str) or not 0 < len(value.strip()) <= 20_000:
        return False
    import ssl  # only where a pin is set: not before every first window

    try:
        pem = value if "-----BEGIN" in value else Path(value).read_text(encoding="ascii")
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=pem)
    except (OSError, ValueError):  # unreadable, not ASCII, not PEM (ssl.SSLError is OSError)
        return False
    return True


# Line breaks and tabs: any other space (a no-break space pasted from a document) is fine.
_BREAKS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029")


def _marking(value: Any) -> bool:
    # One printed line: no line breaks, tabs or other control characters, and no longer
    # than fits, spaces included.
    if not isinstance(value, str):
        return False
    if any(c in _BREAKS or not (c.isprintable() or c.isspace()) for c in value):
        return False
    return len(value) <= 60 and value.strip() != ""


# One table of every key: docs/policy.md is written from the same words.
KEYS: tuple[PolicyKey, ...] = (
    PolicyKey(
        "idle_lock_minutes",
        5,
        _int_between(1, 240),
        "a whole number of minutes from 1 to 240",
        "Lock the vault after this many minutes without keyboard or mouse input.",
    ),
    PolicyKey(
        "require_keyring",
        False,
        _is_bool,
        "true or false",
        "Refuse to create or open a vault unless the OS keyring holds its device secret.",
    ),
    PolicyKey(
        "wipe_after_failed_unlocks",
        0,
        _int_between(0, 100),
        "a whole number from 0 (off) to 100",
        "Destroy the passphrase-wrapped key after this many failed unlocks in a row.",
    ),
    PolicyKey(
        "recovery_public_key",
        None,
        _valid_recovery_key,
        "an X25519 public key (PEM, or 32 bytes in base64)",
        "Also seal the data key to this agency key, so `outreach recover` can restore access.",
    ),
    PolicyKey(
        "exports_allowed",
        True,
        _is_bool,
        "true or false",
        "Whether workers may export chronologies, intelligence and missing-person packs.",
    ),
    PolicyKey(
        "protective_marking",
        "OFFICIAL-SENSITIVE",
        _marking,
        "one line of text, 1 to 60 characters",
        "The marking printed at the top and bottom of every exported page.",
    ),
    PolicyKey(
        "nudge_missing_episodes",
        3,
        _int_between(1, 50),
        "a whole number from 1 to 50",
        "Nudge to explore why when missing this many times within the window below.",
    ),
    PolicyKey(
        "nudge_missing_window_days",
        90,
        _int_between(1, 366),
        "a whole number of days from 1 to 366",
        "The window for repeated missing episodes.",
    ),
    PolicyKey(
        "nudge_return_interview_hours",
        72,
        _int_between(1, 720),
        "a whole number of hours from 1 to 720",
        "Nudge when no return home interview is recorded this long after a return.",
    ),
    PolicyKey(
        "nudge_sexual_activity_under",
        13,
        _int_between(1, 18),
        "an age from 1 to 18",
        "Sexual activity recorded for a child under this age: make a safeguarding referral.",
    ),
    PolicyKey(
        "nudge_substances_under",
        14,
        _int_between(1, 18),
        "an age from 1 to 18",
        "Drugs or alcohol recorded for a child under this age raise a nudge.",
    ),
    PolicyKey(
        "nudge_high_worry",
        7,
        _int_between(0, 10),
        "a worry from 0 to 10",
        "Worry this high, and the young person not seen for the days below, raises a nudge.",
    ),
    PolicyKey(
        "nudge_not_seen_days",
        14,
        _int_between(1, 366),
        "a whole number of days from 1 to 366",
        "Days without a contact after high worry before a nudge.",
    ),
    PolicyKey(
        "nudge_absence_days",
        3,
        _int_between(1, 31),
        "a whole number of days from 1 to 31",
        "School days missed within 30 days that make a daytime pattern.",
    ),
    PolicyKey(
        "hub_address",
        None,
        _hub_address,
        "an https:// address (http:// only to this machine)",
        "The agency hub this laptop syncs with; the worker cannot change it when set.",
    ),
    PolicyKey(
        "hub_pinned_ca",
        None,
        _pinned_ca,
        "a PEM certificate, or the path of a readable PEM file",
        "Trust only this CA for the hub, instead of the operating system's trust store.",
    ),
    PolicyKey(
        "names_sent",
        False,
        _is_bool,
        "true or false",
        "Send young people's known-as names in summaries (otherwise references only).",
    ),
    PolicyKey(
        "narrative_sharing",
        "worker_chooses",
        OneOf(("never", "worker_chooses", "always")),
        '"never", "worker_chooses" or "always"',
        "Whether narrative and a young person's own words may, or must, go in summaries.",
    ),
    PolicyKey(
        "retention_days_after_sync",
        0,
        _int_between(0, 3650),
        "a whole number of days from 0 (keep) to 3650",
        "Purge a contact's written detail this many days after the hub acknowledged it.",
    ),
    PolicyKey(
        "must_sync_every_days",
        0,
        _int_between(0, 365),
        "a whole number of days from 0 (off) to 365",
        "After this many days without reaching the hub, the vault opens only to sync.",
    ),
    PolicyKey(
        "review_within_hours",
        24,
        _int_between(1, 720),
        "a whole number of hours from 1 to 720",
        "A high-concern summary not reviewed within this many hours is flagged in the "
        "lead's queue.",
    ),
)
_BY_NAME = {key.name: key for key in KEYS}


def key_named(name: str) -> PolicyKey | None:
    return _BY_NAME.get(name)


# Where a key's value came from, most authoritative first.
GROUP_POLICY = "group_policy"  # Windows: HKLM, then HKCU, under SOFTWARE\Policies\Outreach
MANAGED_PREFERENCES = "managed_preferences"  # macOS: /Library/Managed Preferences
POLICY_FILE = "file"  # policy.toml in the site config dir
USER = "user"  # the worker's own settings, in the vault
DEFAULT = "default"
LAYERS = (GROUP_POLICY, MANAGED_PREFERENCES, POLICY_FILE, USER, DEFAULT)


def value_kind(key: PolicyKey) -> str:
    """ "bool", "int" or "text": how the key is typed in the registry and in a profile."""
    if isinstance(key.default, bool):
        return "bool"
    if isinstance(key.default, int):
        return "int"
    return "text"


@dataclass(eq=False)  # not frozen: raising sets __traceback__, which a frozen one refuses
class PolicyError(Exception):
    # The file, plist or registry key at fault.
    path: Path
    # "unreadable", "syntax", "unknown_key" or "bad_value"
    reason: str
    key: str = ""
    expects: str = ""
    layer: str = POLICY_FILE


class PolicyOrigin(NamedTuple):
    layer: str
    where: str


class ManagedValues(NamedTuple):
    """One managed source as read, before its values are checked."""

    layer: str
    where: Path
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Policy:
    idle_lock_minutes: int = 5
    require_keyring: bool = False
    wipe_after_failed_unlocks: int = 0
    recovery_public_key: str | None = None
    exports_allowed: bool = True
    protective_marking: str = "OFFICIAL-SENSITIVE"
    nudge_missing_episodes: int = 3
    nudge_missing_window_days: int = 90
    nudge_return_interview_hours: int = 72
    nudge_sexual_activity_under: int = 13
    nudge_substances_under: int = 14
    nudge_high_worry: int = 7
    nudge_not_seen_days: int = 14
    nudge_absence_days: int = 3
    hub_address: str | None = None
    hub_pinned_ca: str | None = None
    names_sent: bool = False
    narrative_sharing: str = "worker_chooses"
    retention_days_after_sync: int = 0
    must_sync_every_days: int = 0
    review_within_hours: int = 24
    # The policy file read, if any (OS-managed sources are named in `origins`).
    source: Path | None = None
    managed: frozenset[str] = field(default_factory=frozenset)
    origins: Mapping[str, PolicyOrigin] = field(default_factory=dict, hash=False)

    def is_managed(self, name: str) -> bool:
        return name in self.managed

    def origin(self, name: str) -> PolicyOrigin | None:
        """Which managed layer set this key; None when the organisation does not set it."""
        return self.origins.get(name)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in _BY_NAME}


def checked(source: ManagedValues) -> dict[str, Any]:
    """The source's values, or PolicyError naming the source and the first bad key."""
    for name, value in source.values.items():
        key = _BY_NAME.get(name)
        if key is None:
            raise PolicyError(source.where, "unknown_key", name, layer=source.layer)
        if not key.check(value):
            raise PolicyError(source.where, "bad_value", name, key.expects, layer=source.layer)
    return dict(source.values)


def merged(sources: Sequence[ManagedValues], file: Path | None = None) -> Policy:
    """Lay the sources over the defaults key by key; the first source setting a key wins."""
    values: dict[str, Any] = {}
    origins: dict[str, PolicyOrigin] = {}
    for source in sources:
        for name, value in checked(source).items():
            if name not in values:
                values[name] = value
                origins[name] = PolicyOrigin(source.layer, str(source.where))
    return Policy(**values, source=file, managed=frozenset(values), origins=origins)


def read_toml(path: Path, text: str) -> ManagedValues:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(path, "syntax", expects=str(exc)) from exc
    return ManagedValues(POLICY_FILE, path, data)


def parse_policy(path: Path, text: str) -> Policy:
    return merged([read_toml(path, text)], file=path)


def candidate_files(env: Mapping[str, str]) -> list[Path]:
    """Where policy may live, most authoritative first."""
    override = env.get(POLICY_ENV)
    if override:
        return [Path(override)]
    dirs = platformdirs.site_config_dir(APP_ID, appauthor=False, multipath=True)
    return [Path(d) / POLICY_FILE_NAME for d in dirs.split(os.pathsep) if d]


def find_policy_file(
    env: Mapping[str, str], candidates: Sequence[Path] | None = None
) -> ManagedValues | None:
    """The first policy file found; the others are not read."""
    explicit = POLICY_ENV in env and bool(env[POLICY_ENV])
    for path in candidates if candidates is not None else candidate_files(env):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if explicit:
                raise PolicyError(path, "unreadable") from None
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(path, "unreadable") from exc
        return read_toml(path, text)
    return None


def load_policy(
    env: Mapping[str, str],
    candidates: Sequence[Path] | None = None,
    os_managed: Callable[[], Sequence[ManagedValues]] | None = None,
) -> Policy:
    """OS-managed policy, then the first policy file found, over the defaults.

    `os_managed` reads the OS's store (the registry, managed preferences); tests pass their
    own. `OUTREACH_POLICY_FILE` replaces only the file: OS-managed policy still wins.
    """
    if os_managed is None:
        from outreach.config.managed import system_sources

        os_managed = system_sources
    sources = list(os_managed())
    file = find_policy_file(env, candidates)
    if file is not None:
        sources.append(file)
    return merged(sources, file=file.where if file is not None else None)
