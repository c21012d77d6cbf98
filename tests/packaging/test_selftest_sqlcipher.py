"""The self-test names the native SQLCipher it loaded and, in a frozen build, requires it
to come from inside the bundle (the frozen case itself runs in test_deb.py)."""

from __future__ import annotations

from pathlib import Path

import sqlcipher3._sqlite3 as extension

from outreach.selftest import frozen_bundle_dir, native_sqlcipher

MODULE = Path(extension.__file__).resolve()


def test_unfrozen_reports_the_extension_and_cipher_version() -> None:
    report = native_sqlcipher(None)
    assert report["ok"] is True
    assert report["frozen"] is False
    assert report["module"] == str(MODULE)
    assert report["cipher_version"].startswith("4.")
    assert report["cipher_provider"]
    assert "inside_bundle" not in report


def test_this_test_run_is_not_frozen() -> None:
    assert frozen_bundle_dir() is None


def test_a_cipher_from_outside_the_bundle_fails(tmp_path: Path) -> None:
    report = native_sqlcipher(tmp_path)
    assert report["frozen"] is True
    assert report["inside_bundle"] is False
    assert report["ok"] is False


def test_a_cipher_inside_the_bundle_passes() -> None:
    report = native_sqlcipher(MODULE.parents[1])
    assert report["inside_bundle"] is True
    assert report["ok"] is True
    assert report["bundle"] == str(MODULE.parents[1])
