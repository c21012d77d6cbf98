"""The console entry point as IT runs it: a real process each time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import outreach
from outreach.cli import EXIT_FAILED, EXIT_OK, EXIT_POLICY, EXIT_USAGE
from outreach.config.paths import AppPaths
from outreach.config.policy import Policy, parse_policy
from outreach.vault import audit
from outreach.vault.device import DeviceSecretStore
from outreach.vault.errors import WrongPassphrase
from outreach.vault.vault import Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE

NEW = "juniper canal meadow 93"
# keyring's own "no backend": the result cannot depend on a desktop keyring being around.
NO_KEYRING = "keyring.backends.fail.Keyring"


def run(
    tmp_path: Path,
    *args: str,
    policy: str | None = None,
    stdin: str = "",
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m outreach``; ``policy`` is written to the policy file, else none exists."""
    policy_file = tmp_path / "policy.toml"
    environ = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND=NO_KEYRING)
    environ.pop("OUTREACH_DATA_DIR", None)
    environ.pop("OUTREACH_POLICY_FILE", None)
    if policy is not None:
        policy_file.write_text(policy, encoding="utf-8")
        environ["OUTREACH_POLICY_FILE"] = str(policy_file)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "outreach", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=environ,
        timeout=timeout,
        check=False,
    )


def self_test(tmp_path: Path, data: Path, policy: str | None = None) -> tuple[int, dict[str, Any]]:
    done = run(tmp_path, "--data-dir", str(data), "self-test", policy=policy)
    return done.returncode, json.loads(done.stdout)  # the whole of stdout is one object


def test_version(tmp_path: Path) -> None:
    done = run(tmp_path, "--version")
    assert done.returncode == EXIT_OK
    assert done.stdout.strip() == f"outreach {outreach.__version__}"


def test_self_test_reports_one_json_object(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = run(tmp_path, "self-test", env={"OUTREACH_DATA_DIR": str(data)})
    report = json.loads(done.stdout)
    assert done.returncode == EXIT_OK, report
    assert report["ok"] is True
    assert report["app_version"] == outreach.__version__
    encryption = report["encryption"]
    assert encryption["ok"] is True
    assert encryption["readable_without_key"] is False
    assert encryption["plaintext_on_disk"] is False
    assert encryption["sqlcipher_version"].startswith("4.")
    assert report["qt"]["platform"] == "offscreen"
    assert report["modules"]["ok"] is True
    assert report["modules"]["failed"] == {}
    assert report["modules"]["checked"] > 60  # every layer but the widgets
    assert report["policy"] == {"file": None, "ok": True, "managed": [], "sources": {}}
    assert report["data_dir"]["path"] == str(data)
    assert report["data_dir"]["writable"] is True
    # No keyring is a warning, not a failure, unless policy requires one.
    assert report["keyring"]["backend"] == "none"
    assert report["keyring"]["works"] is False
    assert report["keyring"]["required"] is False
    assert report["warnings"] == ["keyring"]
    assert report["errors"] == []
    assert not data.exists(), "self-test must not create the data folder"


def test_self_test_fails_on_an_unknown_policy_key(tmp_path: Path) -> None:
    code, report = self_test(tmp_path, tmp_path / "data", policy="colour = 1\n")
    assert code == EXIT_FAILED
    assert report["ok"] is False
    assert report["policy"]["ok"] is False
    assert report["policy"]["file"] == str(tmp_path / "policy.toml")
    assert report["policy"]["key"] == "colour"
    assert "policy" in report["errors"]


def test_self_test_fails_when_policy_requires_a_keyring_and_none_works(tmp_path: Path) -> None:
    code, report = self_test(tmp_path, tmp_path / "data", policy="require_keyring = true\n")
    assert code == EXIT_FAILED
    assert report["policy"]["ok"] is True
    assert report["policy"]["file"] == str(tmp_path / "policy.toml")
    assert report["policy"]["managed"] == ["require_keyring"]
    assert report["policy"]["sources"] == {
        "require_keyring": {"layer": "file", "where": str(tmp_path / "policy.toml")}
    }
    assert report["keyring"]["required"] is True
    assert "keyring" in report["errors"]
    assert report["ok"] is False


def test_self_test_fails_when_the_data_folder_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, report = self_test(tmp_path, blocker / "data")
    assert code == EXIT_FAILED
    assert report["data_dir"]["writable"] is False
    assert "data_dir" in report["errors"]


@pytest.mark.parametrize(
    ("policy", "named"),
    [
        ("colour = 'blue'\n", "colour"),
        ("idle_lock_minutes = 'soon'\n", "idle_lock_minutes"),
        ("wipe_after_failed_unlocks = true\n", "wipe_after_failed_unlocks"),
        ("idle_lock_minutes = \n", "TOML"),
    ],
    ids=["unknown-key", "bad-value", "bool-for-int", "bad-toml"],
)
def test_an_invalid_policy_stops_the_app_naming_file_and_key(
    tmp_path: Path, policy: str, named: str
) -> None:
    data = tmp_path / "data"
    # Offscreen, no message box may open: nobody could close it, and this would hang.
    done = run(tmp_path, "--data-dir", str(data), policy=policy, timeout=60)
    assert done.returncode == EXIT_POLICY
    assert str(tmp_path / "policy.toml") in done.stderr
    assert named in done.stderr
    assert not data.exists()


def test_a_named_policy_file_that_is_missing_stops_the_app(tmp_path: Path) -> None:
    data = tmp_path / "data"
    missing = tmp_path / "nowhere" / "policy.toml"
    done = run(
        tmp_path, "--data-dir", str(data), env={"OUTREACH_POLICY_FILE": str(missing)}, timeout=60
    )
    assert done.returncode == EXIT_POLICY
    assert str(missing) in done.stderr
    assert not data.exists()


def test_recovery_keygen_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    private = tmp_path / "agency.pem"
    made = run(tmp_path, "recovery-keygen", "--private-out", str(private))
    assert made.returncode == EXIT_OK
    assert made.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    assert made.stdout.rstrip().endswith("-----END PUBLIC KEY-----")
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert private.stat().st_mode & 0o777 == 0o600
    # The public half is what policy takes.
    parse_policy(tmp_path / "p.toml", f'recovery_public_key = """\n{made.stdout}"""\n')

    before = private.read_bytes()
    again = run(tmp_path, "recovery-keygen", "--private-out", str(private))
    assert again.returncode == EXIT_USAGE
    assert str(private) in again.stderr
    assert again.stdout == ""
    assert private.read_bytes() == before


def _keygen(tmp_path: Path, name: str) -> tuple[Path, str]:
    private = tmp_path / name
    made = run(tmp_path, "recovery-keygen", "--private-out", str(private))
    assert made.returncode == EXIT_OK
    return private, f'recovery_public_key = """\n{made.stdout}"""\n'


def _make_vault(data: Path, policy: Policy) -> None:
    Vault(AppPaths.in_folder(data), policy, DeviceSecretStore(None), kdf=CHEAP_KDF).create(
        PASSPHRASE
    ).close()


def test_recover_sets_a_new_passphrase_with_the_agency_key(tmp_path: Path) -> None:
    private, policy_text = _keygen(tmp_path, "agency.pem")
    stranger, _ = _keygen(tmp_path, "stranger.pem")
    data = tmp_path / "data"
    _make_vault(data, parse_policy(tmp_path / "policy.toml", policy_text))
    key_file = data / "vault.key"
    key_before = key_file.read_bytes()

    def recover(key: Path, passphrase: str) -> subprocess.CompletedProcess[str]:
        return run(
            tmp_path,
            "--data-dir",
            str(data),
            "recover",
            "--private-key",
            str(key),
            "--passphrase-stdin",
            policy=policy_text,
            stdin=passphrase + "\n",
        )

    weak = recover(private, "short")
    assert weak.returncode == EXIT_FAILED
    assert "too weak" in weak.stderr
    assert key_file.read_bytes() == key_before

    wrong = recover(stranger, NEW)
    assert wrong.returncode == EXIT_FAILED
    assert "does not belong" in wrong.stderr
    assert key_file.read_bytes() == key_before

    done = recover(private, NEW)
    assert done.returncode == EXIT_OK, done.stderr
    assert "Access restored" in done.stdout
    vault = Vault(AppPaths.in_folder(data), Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF)
    opened = vault.unlock(NEW)
    try:
        assert "recovered" in [entry.action for entry in audit.entries(opened.db)]
    finally:
        opened.close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(PASSPHRASE)


def test_recover_refuses_a_vault_without_a_seal_or_a_file_that_is_not_a_key(tmp_path: Path) -> None:
    private, policy_text = _keygen(tmp_path, "agency.pem")
    unsealed = tmp_path / "unsealed"
    _make_vault(unsealed, Policy())  # made before the agency had a recovery key
    before = (unsealed / "vault.key").read_bytes()

    def recover(data: Path, key: Path) -> subprocess.CompletedProcess[str]:
        return run(
            tmp_path,
            "--data-dir",
            str(data),
            "recover",
            "--private-key",
            str(key),
            "--passphrase-stdin",
            policy=policy_text,
            stdin=NEW + "\n",
        )

    no_seal = recover(unsealed, private)
    assert no_seal.returncode == EXIT_FAILED
    assert "not set up for agency recovery" in no_seal.stderr

    assert (unsealed / "vault.key").read_bytes() == before

    sealed = tmp_path / "sealed"
    _make_vault(sealed, parse_policy(tmp_path / "policy.toml", policy_text))
    before = (sealed / "vault.key").read_bytes()
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("not a key\n")
    garbage = recover(sealed, not_a_key)
    assert garbage.returncode == EXIT_FAILED
    assert "not an agency recovery private key" in garbage.stderr

    missing = recover(sealed, tmp_path / "absent.pem")
    assert missing.returncode == EXIT_FAILED
    assert str(tmp_path / "absent.pem") in missing.stderr
    assert (sealed / "vault.key").read_bytes() == before


def test_the_commands_run_with_the_cyclic_collector_on(tmp_path: Path) -> None:
    """``__main__`` turns it off while starting; a command must not run for hours without."""
    import gc

    from outreach.cli import main

    gc.disable()
    try:
        assert main(["recovery-keygen", "--private-out", str(tmp_path / "key.pem")]) == EXIT_OK
        assert gc.isenabled()
    finally:
        gc.enable()


def test_no_arguments_are_the_parsers_defaults() -> None:
    from outreach.cli import _arguments, _parser

    assert vars(_arguments([])) == vars(_parser().parse_args([]))
    assert vars(_arguments(["--demo"])) == vars(_parser().parse_args(["--demo"]))


def test_self_test_names_a_module_the_installation_cannot_import(monkeypatch) -> None:
    import importlib

    from outreach import selftest

    real = importlib.import_module

    def missing_one(name: str, package: str | None = None) -> Any:
        if name == "outreach.sync.engine":
            raise ModuleNotFoundError("No module named 'httpx'")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", missing_one)
    status = selftest.modules_status()
    assert status["ok"] is False
    assert status["failed"] == {"outreach.sync.engine": "ModuleNotFoundError"}
    assert "outreach.sync.outbox" in sys.modules  # the rest of the package was still checked
