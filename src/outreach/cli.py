"""Command line: the app itself, and what IT runs (self-test, recovery, key generation)."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from outreach import __version__
from outreach.config.paths import DATA_DIR_ENV, resolve_paths
from outreach.config.policy import Policy, PolicyError, load_policy
from outreach.hardening import disable_core_dumps
from outreach.logs import log, setup_logging

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_POLICY = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outreach",
        description="Encrypted, offline-first recording for outreach workers.",
    )
    parser.add_argument("--version", action="version", version=f"outreach {__version__}")
    parser.add_argument(
        "--data-dir",
        help=f"keep the vault, logs and backups in this folder (also ${DATA_DIR_ENV})",
    )
    parser.add_argument(
        "--demo", action="store_true", help="open a demo vault with made-up data only"
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser(
        "demo", help="open a throwaway demo vault holding a made-up caseload (same as --demo)"
    )
    commands.add_parser("self-test", help="check this installation; prints one JSON object")
    recover = commands.add_parser(
        "recover", help="restore access with the agency recovery key and set a new passphrase"
    )
    recover.add_argument("--private-key", required=True, type=Path, help="agency private key (PEM)")
    recover.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="read the new passphrase from standard input instead of asking twice",
    )
    keygen = commands.add_parser(
        "recovery-keygen", help="make an agency recovery key pair (run on an IT machine)"
    )
    keygen.add_argument("--private-out", required=True, type=Path)
    enrol = commands.add_parser(
        "enrol", help="connect this vault to the agency hub (the one-time code on stdin)"
    )
    enrol.add_argument("--hub", help="the hub's address, unless policy sets it")
    enrol.add_argument("--passphrase-fd", type=int, required=True, metavar="FD")
    sync = commands.add_parser("sync", help="send approved summaries and fetch reviews, once")
    sync.add_argument("--passphrase-fd", type=int, required=True, metavar="FD")
    commands.add_parser("qt-probe", help=argparse.SUPPRESS)
    return parser


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    given = sys.argv[1:] if argv is None else list(argv)
    if not given:
        # How the desktop launcher starts the app: the parser's defaults, without building
        # the parser and its eight commands, a fiftieth of the time to the first window.
        return argparse.Namespace(data_dir=None, demo=False, command=None)
    return _parser().parse_args(given)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    disable_core_dumps()
    environ = dict(os.environ if env is None else env)
    args = _arguments(argv)
    if args.command == "demo":
        args.demo, args.command = True, None
    if args.command is not None:
        gc.enable()  # off while starting (__main__); the app turns it on in run_gui
    if args.command == "qt-probe":
        return _qt_probe()
    if args.command == "recovery-keygen":
        return _keygen(args.private_out)

    paths = resolve_paths(args.data_dir, environ, demo=args.demo)
    try:
        policy: Policy | PolicyError = load_policy(environ)
    except PolicyError as exc:
        policy = exc

    if args.command == "self-test":
        from outreach.selftest import run_self_test
        from outreach.vault.device import DeviceSecretStore

        report, ok = run_self_test(paths, policy, DeviceSecretStore.from_system(), environ)
        print(json.dumps(report, indent=2, sort_keys=True))
        return EXIT_OK if ok else EXIT_FAILED

    if isinstance(policy, PolicyError):
        return _policy_failure(policy, gui=args.command is None)
    setup_logging(paths.log_dir, rotate=args.command is not None)  # the app: see run_gui

    if args.command == "recover":
        return _recover(paths, policy, args.private_key, args.passphrase_stdin)
    if args.command in ("enrol", "sync"):
        from outreach import headless

        if args.command == "enrol":
            return headless.enrol(paths, policy, args.hub, args.passphrase_fd)
        return headless.sync(paths, policy, args.passphrase_fd)

    from outreach.gui import run_gui

    return run_gui(paths, policy, demo=args.demo)


def _policy_failure(error: PolicyError, *, gui: bool) -> int:
    from outreach.app.messages import policy_text

    text = policy_text(error)
    print(text, file=sys.stderr)
    if gui:
        from PySide6.QtWidgets import QApplication, QMessageBox

        app = QApplication.instance() or QApplication(sys.argv)
        # With no screen (offscreen, minimal) nobody could close the box: stderr says it.
        if QApplication.platformName() not in {"offscreen", "minimal"}:
            QMessageBox.critical(None, QApplication.translate("Shell", "Outreach"), text)
        del app
    return EXIT_POLICY


def _qt_probe() -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    print(app.platformName())
    return EXIT_OK


def _keygen(private_out: Path) -> int:
    from outreach.app.messages import translate
    from outreach.vault.crypto import generate_recovery_keypair

    private_pem, public_pem = generate_recovery_keypair()
    try:
        fd = os.open(private_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(
            translate("Cli", "%1 already exists; choose another file.").replace(
                "%1", str(private_out)
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    print(public_pem, end="")
    print(
        translate(
            "Cli",
            "Keep the private key offline. Put the public key above in policy as "
            "recovery_public_key.",
        ),
        file=sys.stderr,
    )
    return EXIT_OK


def _read_new_passphrase(from_stdin: bool) -> str | None:
    import getpass  # with termios: not before the app's first window

    from outreach.app.messages import translate
    from outreach.vault.passphrase import assess

    if from_stdin:
        chosen = sys.stdin.readline().rstrip("\n")
    else:
        chosen = getpass.getpass(translate("Cli", "New passphrase: "))
        if getpass.getpass(translate("Cli", "New passphrase again: ")) != chosen:
            print(
                translate("Cli", "The two passphrases are different; nothing was changed."),
                file=sys.stderr,
            )
            return None
    if not assess(chosen).acceptable:
        print(
            translate(
                "Cli",
                "That passphrase is too weak: use at least 10 characters and a few "
                "unrelated words. Nothing was changed.",
            ),
            file=sys.stderr,
        )
        return None
    return chosen


def _recover(paths: object, policy: Policy, private_key: Path, from_stdin: bool) -> int:
    from outreach.app.messages import error_text, translate
    from outreach.config.paths import AppPaths
    from outreach.vault.device import DeviceSecretStore
    from outreach.vault.errors import VaultError
    from outreach.vault.vault import Vault

    assert isinstance(paths, AppPaths)
    try:
        pem = private_key.read_bytes()
    except OSError:
        print(
            translate("Cli", "Can't read the key file %1.").replace("%1", str(private_key)),
            file=sys.stderr,
        )
        return EXIT_FAILED
    passphrase = _read_new_passphrase(from_stdin)
    if passphrase is None:
        return EXIT_FAILED
    vault = Vault(paths, policy, DeviceSecretStore.from_system())
    try:
        vault.recover(pem, passphrase)
    except VaultError as exc:
        print(error_text(exc), file=sys.stderr)
        return EXIT_FAILED
    log.info("vault recovered with the agency key")
    print(translate("Cli", "Access restored. The worker can now unlock with the new passphrase."))
    return EXIT_OK
