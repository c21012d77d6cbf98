"""The console entry point as IT runs it: a real process each time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import outreach
from outreach.config.policy import Policy
from outreach.vault.device import DeviceSecretStore
from outreach.vault.errors import WrongPassphrase
from outreach.vault.vault import Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE

NEW = "juniper canal meadow 93"


def run(tmp_path: Path, *args: str, policy: str | None = None, stdin: str = ""):
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", OUTREACH_POLICY_FILE=str(tmp_path / "policy.toml")
    )
    if policy is not None:
        (tmp_path / "policy.toml").write_text(policy)
    else:
        env.pop("OUTREACH_POLICY_FILE")
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # no keyring unless a test starts one
    return subprocess.run(
        [sys.executable, "-m", "outreach", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=120,
        check=False,
    )


def test_version(tmp_path) -> None:
    done = run(tmp_path, "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"outreach {outreach.__version__}"


def test_self_test_reports_one_json_object(tmp_path) -> None:
    done = run(tmp_path, "--data-dir", str(tmp_path / "data"), "self-test")
    report = json.loads(done.stdout)
    assert done.returncode == 0, report
    assert report["app_version"] == outreach.__version__
    assert report["encryption"]["ok"] is True
    assert report["encryption"]["readable_without_key"] is False
    assert report["encryption"]["plaintext_on_disk"] is False
    assert report["encryption"]["sqlcipher_version"].startswith("4.")
    assert report["qt"]["platform"] == "offscreen"
    assert report["data_dir"]["path"] == str(tmp_path / "data")
    assert report["keyring"]["works"] is False
    assert "keyring" in report["warnings"]
    assert report["policy"]["file"] is None


def test_self_test_fails_on_a_bad_policy_and_a_missing_required_keyring(tmp_path) -> None:
    bad = run(tmp_path, "--data-dir", str(tmp_path / "d"), "self-test", policy="colour = 1\n")
    report = json.loads(bad.stdout)
    assert bad.returncode != 0
    assert report["policy"]["ok"] is False
    assert report["policy"]["key"] == "colour"
    required = run(
        tmp_path, "--data-dir", str(tmp_path / "d"), "self-test", policy="require_keyring = true\n"
    )
    assert required.returncode != 0
    assert "keyring" in json.loads(required.stdout)["errors"]


def test_self_test_fails_when_the_data_folder_cannot_be_written(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = run(tmp_path, "--data-dir", str(blocker / "data"), "self-test")
    assert done.returncode != 0
    assert "data_dir" in json.loads(done.stdout)["errors"]


def test_an_invalid_policy_stops_the_app_naming_file_and_key(tmp_path) -> None:
    data = tmp_path / "data"
    done = run(tmp_path, "--data-dir", str(data), policy="idle_lock_minutes = 'soon'\n")
    assert done.returncode == 3
    assert str(tmp_path / "policy.toml") in done.stderr
    assert "idle_lock_minutes" in done.stderr
    assert not data.exists()


def test_recovery_keygen_and_recover_end_to_end(tmp_path) -> None:
    private = tmp_path / "agency.pem"
    made = run(tmp_path, "recovery-keygen", "--private-out", str(private))
    assert made.returncode == 0
    assert made.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    assert private.stat().st_mode & 0o777 == 0o600
    assert run(tmp_path, "recovery-keygen", "--private-out", str(private)).returncode == 2

    policy_text = f'recovery_public_key = """\n{made.stdout}"""\n'
    data = tmp_path / "data"
    from outreach.config.paths import AppPaths
    from outreach.config.policy import parse_policy

    policy = parse_policy(tmp_path / "policy.toml", policy_text)
    Vault(AppPaths.in_folder(data), policy, DeviceSecretStore(None), kdf=CHEAP_KDF).create(
        PASSPHRASE
    ).close()
    key_before = (data / "vault.key").read_bytes()

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
    assert weak.returncode != 0
    assert (data / "vault.key").read_bytes() == key_before

    stranger = tmp_path / "stranger.pem"
    run(tmp_path, "recovery-keygen", "--private-out", str(stranger))
    wrong = recover(stranger, NEW)
    assert wrong.returncode != 0
    assert "does not belong" in wrong.stderr

    done = recover(private, NEW)
    assert done.returncode == 0, done.stderr
    vault = Vault(AppPaths.in_folder(data), Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF)
    vault.unlock(NEW).close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(PASSPHRASE)
