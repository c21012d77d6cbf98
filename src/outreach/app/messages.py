"""Plain words for everything that can go wrong, translated through Qt.

The core raises structured errors; this is the one place that turns them into what a
worker or IT reads. Each message says what happened and what to do, and that nothing
was changed when that is true.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, SignalInstance

from outreach.config.policy import POLICY_FILE, PolicyError
from outreach.logs import log
from outreach.vault.errors import (
    KeyringRequired,
    KeyringUnavailable,
    RecoveryUnavailable,
    StorageError,
    UnlockThrottled,
    UnsafeOperation,
    VaultDamaged,
    VaultError,
    VaultTooNew,
    VaultWiped,
    WrongPassphrase,
)

# Called by this name so that pyside6-lupdate extracts each string with its context.
# Sentences avoid plurals: lupdate marks a count argument as plural only in some
# releases, so "%n" forms would silently go untranslated in others.
translate = QCoreApplication.translate


def wait_text(seconds: float) -> str:
    whole = max(1, math.ceil(seconds))
    return translate("Messages", "Please wait before trying again (%1 s).").replace(
        "%1", str(whole)
    )


def keyring_text(reason: str) -> str:
    if reason == "locked":
        return translate(
            "Messages",
            "Your computer's keyring is locked. Unlock it (usually by logging in again), "
            "then try once more.",
        )
    if reason == "missing":
        return translate(
            "Messages",
            "This vault's key is not in this computer's keyring, so it cannot be opened "
            "here. If the vault was copied from another computer, open it there; otherwise "
            "ask IT about agency recovery.",
        )
    if reason == "no_backend":
        return translate(
            "Messages",
            "No secure keyring is available on this computer. Outreach needs one to open "
            "this vault: log in to a desktop session, or ask IT.",
        )
    return translate(
        "Messages", "The computer's keyring did not answer. Try again; if it keeps failing, ask IT."
    )


def error_text(error: BaseException) -> str:
    """The sentence to show for an error the worker can act on."""
    if isinstance(error, WrongPassphrase):
        text = translate("Messages", "That passphrase didn't open the vault.")
        if error.remaining_before_wipe is not None:
            text += " " + translate(
                "Messages",
                "Wrong attempts left before this vault is erased, as your organisation "
                "requires: %1.",
            ).replace("%1", str(error.remaining_before_wipe))
        return text
    if isinstance(error, UnlockThrottled):
        return wait_text(error.wait_seconds)
    if isinstance(error, VaultWiped):
        if error.by_agency:
            return translate(
                "Messages",
                "Your organisation withdrew this laptop from the agency hub, so its records "
                "were erased here. What was already sent is safe with your organisation. "
                "Speak to your team lead or IT.",
            )
        if error.recoverable_by_agency:
            return translate(
                "Messages",
                "This vault was locked for good after too many wrong passphrases. Your "
                "organisation can restore access: contact IT.",
            )
        return translate(
            "Messages",
            "This vault was erased after too many wrong passphrases. Its records cannot be "
            "recovered.",
        )
    if isinstance(error, KeyringUnavailable):
        return keyring_text(error.reason)
    if isinstance(error, KeyringRequired):
        return translate(
            "Messages",
            "Your organisation requires a secure keyring, and none is working on this "
            "computer. Log in to a desktop session with a keyring, or ask IT.",
        )
    if isinstance(error, VaultTooNew):
        return translate(
            "Messages",
            "This vault was last used by a newer version of Outreach. Install the newer "
            "version to open it; nothing has been changed.",
        )
    if isinstance(error, VaultDamaged):
        return damaged_text(error)
    if isinstance(error, StorageError):
        return storage_text(error)
    if isinstance(error, RecoveryUnavailable):
        return recovery_text(error.reason)
    if isinstance(error, UnsafeOperation):
        return translate(
            "Messages", "Outreach refused an operation that could have written records unencrypted."
        )
    if isinstance(error, PolicyError):
        return policy_text(error)
    return translate(
        "Messages", "Something went wrong. Nothing you saved has been lost; try again."
    )


def damaged_text(error: VaultDamaged) -> str:
    where = str(error.path)
    if error.reason == "unreadable":
        return translate(
            "Messages",
            "The vault file %1 can't be read: it may be damaged, cut short, or not an "
            "Outreach vault. Nothing has been changed. Restore it from a backup, or ask IT.",
        ).replace("%1", where)
    if error.reason == "integrity":
        return translate(
            "Messages",
            "The vault file %1 failed its integrity check. It is open read-only so nothing "
            "more can be lost; nothing has been changed. Make a copy and ask IT.",
        ).replace("%1", where)
    if error.reason == "key_file":
        return translate(
            "Messages",
            "The key file beside the vault in %1 is damaged or not an Outreach key file. "
            "Nothing has been changed. Restore it from a backup, or ask IT about recovery.",
        ).replace("%1", str(error.path.parent))
    if error.reason == "missing_database":
        return translate(
            "Messages",
            "The vault's key file is here but the vault file %1 is missing. Nothing has "
            "been changed. If the folder was moved or a drive is not connected, fix that "
            "and start Outreach again.",
        ).replace("%1", where)
    return translate(
        "Messages",
        "There is already a file at %1 that Outreach did not create, so it won't start a "
        "new vault there. Move that file away or choose another data folder.",
    ).replace("%1", where)


def storage_text(error: StorageError) -> str:
    where = str(error.path)
    if error.reason == "full":
        return translate(
            "Messages",
            "The disk is full, so the last change was not saved. Free some space and try "
            "again; what you typed is still on screen.",
        )
    if error.reason == "read_only":
        return translate(
            "Messages",
            "Outreach can't write to %1. Check that the folder is not read-only, or ask IT.",
        ).replace("%1", where)
    if error.reason == "missing":
        return translate(
            "Messages",
            "The folder %1 does not exist and can't be created. Check the data folder "
            "setting, or that its drive is connected.",
        ).replace("%1", where)
    return translate(
        "Messages", "Reading or writing %1 failed. Try again; if it keeps failing, ask IT."
    ).replace("%1", where)


def recovery_text(reason: str) -> str:
    if reason == "no_seal":
        return translate(
            "Messages", "This vault was not set up for agency recovery, so it cannot be recovered."
        )
    if reason == "wrong_key":
        return translate("Messages", "That recovery key does not belong to this vault.")
    return translate("Messages", "That file is not an agency recovery private key.")


def policy_text(error: PolicyError) -> str:
    """What stops the app, naming the source at fault: a file, a registry key or a plist."""
    where = str(error.path)
    if error.reason == "unknown_key":
        return (
            translate(
                "Messages",
                "The policy in %1 has a setting Outreach does not know: '%2'. Outreach will not "
                "start until IT corrects it.",
            )
            .replace("%1", where)
            .replace("%2", error.key)
        )
    if error.reason == "bad_value":
        return (
            translate(
                "Messages",
                "The policy in %1 sets '%2' to a value Outreach can't use (expected %3). "
                "Outreach will not start until IT corrects it.",
            )
            .replace("%1", where)
            .replace("%2", error.key)
            .replace("%3", error.expects)
        )
    if error.reason == "syntax" and error.layer == POLICY_FILE:
        return (
            translate(
                "Messages",
                "The policy in %1 is not valid TOML (%2). Outreach will not start until IT "
                "corrects it.",
            )
            .replace("%1", where)
            .replace("%2", error.expects)
        )
    if error.reason == "syntax":
        return (
            translate(
                "Messages",
                "The policy in %1 can't be understood (%2). Outreach will not start until IT "
                "corrects it.",
            )
            .replace("%1", where)
            .replace("%2", error.expects)
        )
    return translate(
        "Messages", "The policy in %1 can't be read. Outreach will not start until IT fixes it."
    ).replace("%1", where)


def keyring_absent_notice() -> str:
    return translate(
        "Messages",
        "This computer has no secure keyring, so your vault is protected by your "
        "passphrase alone. A copy of the vault could be attacked on another computer: "
        "choose a long passphrase.",
    )


def policy_key_label(name: str) -> str:
    """A worker-facing name for a policy setting, as listed in Settings."""
    labels = {
        "idle_lock_minutes": translate("Messages", "Lock after idle"),
        "require_keyring": translate("Messages", "Keyring required"),
        "wipe_after_failed_unlocks": translate("Messages", "Erase after wrong passphrases"),
        "recovery_public_key": translate("Messages", "Agency recovery"),
    }
    return labels.get(name, name)


def problem_text(code: str, limit: int = 0) -> str:
    """A record's check that failed (see records/validation.py), as one calm sentence."""
    if code == "future":
        return translate("Messages", "This is in the future. Check the date and time.")
    if code == "end_before_start":
        return translate("Messages", "This ends before it starts. Check both times.")
    if code == "too_long":
        return translate(
            "Messages", "This is longer than %1 characters. Shorten it or split it up."
        ).replace("%1", str(limit))
    if code == "implausible_age":
        return translate(
            "Messages", "That gives an age we don't expect (limit %1). Check it."
        ).replace("%1", str(limit))
    if code == "required":
        return translate("Messages", "This can't be left empty.")
    if code == "unknown_person":
        return translate(
            "Messages", "A young person on this contact is no longer in the vault. Remove them."
        )
    if code == "too_many":
        return translate("Messages", "Too many items on one contact (limit %1).").replace(
            "%1", str(limit)
        )
    if code == "already_sealed":
        return translate("Messages", "This contact has already been filed.")
    return translate("Messages", "Check this field.")


def sync_problem_text(stop: str) -> str:
    """Why the last sync did not get through, in words (``stop`` is a ``sync.engine.Stop``)."""
    texts = {
        "not_enrolled": translate(
            "Messages", "This laptop is not connected to your agency's hub yet: enrol it first."
        ),
        "offline": translate("Messages", "Can't reach the hub: no network, or the hub is down."),
        "timeout": translate("Messages", "The hub took too long to answer."),
        "tls": translate(
            "Messages",
            "The hub's certificate could not be verified, so nothing was sent. Tell IT.",
        ),
        "protocol": translate("Messages", "The connection to the hub broke off."),
        "busy": translate("Messages", "The hub asked this laptop to wait a little."),
        "hub_error": translate("Messages", "The hub had a problem of its own."),
        "auth": translate(
            "Messages",
            "The hub no longer recognises this laptop. Enrol it again with a new code from "
            "your team lead or IT; nothing waiting to be sent is lost.",
        ),
        "forbidden": translate(
            "Messages", "Your role on the hub does not allow sending summaries. Ask IT."
        ),
        "forged_wipe": translate(
            "Messages",
            "An instruction to erase this laptop arrived that the hub did not sign. It was "
            "ignored. Tell IT.",
        ),
        "wipe": translate("Messages", "Your organisation withdrew this laptop."),
        "address": translate(
            "Messages",
            "Something other than the hub answered at its address (a redirect, a proxy or a "
            "web server), so nothing was sent. Outreach will try again; if it goes on, tell IT.",
        ),
        "moved": translate(
            "Messages",
            "Your organisation's policy names another hub than the one this laptop was "
            "connected to, so nothing was sent. Connect it again with a new code (Ctrl+Shift+U); "
            "nothing waiting to be sent is lost.",
        ),
        "pin": translate(
            "Messages",
            "The hub's pinned certificate (policy hub_pinned_ca) could not be read, so nothing "
            "was sent. Tell IT.",
        ),
        "cancelled": translate("Messages", "Sync stopped."),
    }
    return texts.get(stop, translate("Messages", "Sync did not finish."))


def held_text(code: str) -> str:
    """Why the hub refused one summary; the worker can fix it and approve again."""
    if code == "version_conflict":
        return translate(
            "Messages",
            "The hub already has this version with other content. Approve the summary again "
            "to send it as a new version.",
        )
    if code in ("body_too_large", "http_413"):
        return translate(
            "Messages",
            "This summary is too large for the hub: include less text and approve again.",
        )
    return translate(
        "Messages",
        "The hub refused this summary as it is. Check it, then approve it again; other "
        "summaries are still being sent.",
    )


T = TypeVar("T")


def reported(work: Callable[[], T], default: T, failed: SignalInstance, what: str) -> T:
    """Run a read of the vault for a service: a storage failure is logged by its class only
    and said in words on ``failed``, and the caller gets ``default``."""
    try:
        return work()
    except VaultError as exc:
        log.error("%s failed: %s", what, type(exc).__name__)
        failed.emit(error_text(exc))
        return default
