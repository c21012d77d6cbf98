"""``outreach enrol`` and ``outreach sync``: the hub without a window, for scripts and tests.

The passphrase is read from a file descriptor the caller opens (``--passphrase-fd``), so it
never appears in the process list or the environment; the one-time enrolment code is read
from standard input. Output is one JSON object on stdout; the exit code says how it went.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta

from outreach.app.messages import error_text, sync_problem_text, translate
from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.vault.device import DeviceSecretStore
from outreach.vault.errors import VaultDamaged, VaultError, VaultWiped
from outreach.vault.vault import OpenVault, Vault

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_WIPED = 4


def read_fd(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8").rstrip("\r\n")


def _unlock(paths: AppPaths, policy: Policy, passphrase_fd: int) -> tuple[Vault, OpenVault] | int:
    """The vault, opened; or the exit code, having said why it could not be."""
    vault = Vault(paths, policy, DeviceSecretStore.from_system())
    passphrase = read_fd(passphrase_fd)
    # After a wrong passphrase the vault makes the next try wait (1 s, doubling). A script
    # waits it out here rather than failing on the pause; the delay itself still applies.
    time.sleep(vault.throttle_wait())
    try:
        opened = vault.unlock(passphrase)
    except VaultWiped as exc:
        print(error_text(exc), file=sys.stderr)
        return EXIT_WIPED
    except VaultError as exc:
        return _say(error_text(exc))
    if opened.db.read_only:
        # A damaged vault opens read-only so nothing more is lost; enrolling and syncing
        # both write, so say why rather than fail on the first write.
        opened.close()
        return _say(error_text(VaultDamaged("integrity", vault.paths.vault_file)))
    return vault, opened


def _say(problem: str) -> int:
    print(problem, file=sys.stderr)
    return EXIT_FAILED


def _pin_unusable() -> str:
    return translate(
        "Cli",
        "The hub's pinned certificate (policy hub_pinned_ca) could not be read, or holds no "
        "certificate, so nothing was sent. Tell IT.",
    )


def _problem_text(stop: str) -> str:
    if stop == "address":
        return translate(
            "Cli",
            "Something other than the hub answered at its address (a redirect, or a proxy or "
            "firewall in between). Nothing waiting to be sent is lost: check the hub's "
            "address, or tell IT.",
        )
    if stop == "moved":
        return translate(
            "Cli",
            "Your organisation's policy names another hub than the one this laptop was "
            "connected to, so nothing was sent. Connect it again with a new code: "
            "outreach enrol. Nothing waiting to be sent is lost.",
        )
    return sync_problem_text(stop)


def enrol(paths: AppPaths, policy: Policy, hub: str | None, passphrase_fd: int) -> int:
    from outreach.config.hub import BadAddress
    from outreach.sync.client import Unreachable
    from outreach.sync.enrolment import EnrolmentRefused
    from outreach.sync.enrolment import enrol as enrol_vault

    address = policy.hub_address or hub
    if not address:
        return _say(translate("Cli", "Give the hub's address with --hub (or set it in policy)."))
    unlocked = _unlock(paths, policy, passphrase_fd)
    if isinstance(unlocked, int):
        return unlocked
    _vault, opened = unlocked
    try:
        code = sys.stdin.readline().strip()
        found = enrol_vault(opened.db, address, code, pinned_ca=policy.hub_pinned_ca)
    except BadAddress:
        return _say(translate("Cli", "That hub address can't be used: it must start https://."))
    except Unreachable as exc:
        return _say(sync_problem_text(exc.reason))
    except EnrolmentRefused as exc:
        if exc.status == 429 or exc.status >= 500:
            return _say(sync_problem_text("busy" if exc.status == 429 else "hub_error"))
        if exc.status < 400 or not exc.code:
            return _say(_problem_text("address"))  # a redirect or a proxy, not the hub
        return _say(
            translate("Cli", "The hub did not accept that code: it may be used or expired.")
        )
    except VaultError as exc:
        return _say(error_text(exc))
    except OSError:  # the pinned CA; the vault's own failures are VaultErrors
        return _say(_pin_unusable())
    finally:
        opened.close()
    print(json.dumps({"enrolled": True, "user": found.user, "role": found.role}))
    return EXIT_OK


def sync(paths: AppPaths, policy: Policy, passphrase_fd: int) -> int:
    from outreach.sync import enrolment
    from outreach.sync.client import HubClient
    from outreach.sync.engine import Stop, SyncEngine
    from outreach.sync.retention import purge_due

    unlocked = _unlock(paths, policy, passphrase_fd)
    if isinstance(unlocked, int):
        return unlocked
    vault, opened = unlocked
    try:
        found = enrolment.current(opened.db)
        if found is None:
            return _say(sync_problem_text("not_enrolled"))
        if enrolment.elsewhere(found, policy.hub_address):
            return _say(_problem_text("moved"))
        try:
            client = HubClient(
                found.address, credential=found.credential, pinned_ca=policy.hub_pinned_ca
            )
        except OSError:
            return _say(_pin_unusable())
        with client:
            report = SyncEngine(opened.db, client).run()
        purged = 0
        if report.stop is not Stop.WIPE and policy.retention_days_after_sync:
            purged = purge_due(opened.db, timedelta(days=policy.retention_days_after_sync))
    except VaultError as exc:
        return _say(error_text(exc))
    finally:
        opened.close()
    if report.stop is Stop.WIPE:
        try:
            vault.shred()
        except (VaultError, OSError) as exc:
            return _say(error_text(exc))
    print(
        json.dumps(
            {
                "acknowledged": report.acknowledged,
                "failed": report.failed,
                "held": report.held,
                "reviews": report.reviews,
                "questions": report.questions,
                "purged": purged,
                "problem": report.stop.value,
                "next_try_at": report.next_try_at.isoformat() if report.next_try_at else None,
            }
        )
    )
    if report.stop is Stop.WIPE:
        print(error_text(VaultWiped(recoverable_by_agency=False, by_agency=True)), file=sys.stderr)
        return EXIT_WIPED
    if report.stop is not Stop.NONE:
        print(_problem_text(report.stop.value), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
