"""The Linux package, built and installed for real: apt-get installs it with its
dependencies, the installed app runs (version, self-test with the bundled SQLCipher, the
window offscreen), an upgrade over an older build keeps IT's edited policy, and purging
leaves nothing behind.

It changes the machine (apt-get as root), so it runs only when asked for with
OUTREACH_TEST_DEB=1; CI asks for it on its throwaway Debian machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlcipher3._sqlite3 as outside

from outreach import __version__
from outreach.config.paths import resolve_paths
from tests.support.apprun import run_until_started_then_terminate
from tests.support.secret_service import secret_service  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
OLDER = "0.0.1"  # the upgrade test's older build of the same tree
LIMIT = 45 * 1024 * 1024
INSTALLED = [
    Path("/opt/outreach"),
    Path("/usr/bin/outreach"),
    Path("/usr/share/applications/org.outreach.app.desktop"),
    Path("/usr/share/icons/hicolor/scalable/apps/org.outreach.app.svg"),
    Path("/usr/share/icons/hicolor/256x256/apps/org.outreach.app.png"),
    Path("/usr/share/icons/hicolor/16x16/apps/org.outreach.app.png"),
    Path("/etc/xdg/outreach/policy.toml"),
]
POLICY = Path("/etc/xdg/outreach/policy.toml")


def _why_not() -> str | None:
    if os.environ.get("OUTREACH_TEST_DEB") != "1":
        return "installs a .deb system-wide: set OUTREACH_TEST_DEB=1 to run it (CI does)"
    if not sys.platform.startswith("linux") or shutil.which("apt-get") is None:
        return "needs a Debian system with apt-get"
    if os.geteuid() != 0:
        return "needs root to install packages"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")


def _run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def _apt(*args: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    done = _run("apt-get", "-y", "-q", "-o", "Dpkg::Options::=--force-confold", *args, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _build(version: str | None, dist: Path, work: Path) -> Path:
    env = dict(os.environ)
    env.pop("OUTREACH_BUILD_VERSION", None)
    command = [sys.executable, str(ROOT / "packaging" / "build.py"), "deb"]
    command += ["--dist", str(dist), "--work", str(work)]
    if version:
        env["OUTREACH_BUILD_VERSION"] = version
        command.append("--uncompressed")  # only installed, never shipped
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return dist / f"outreach_{version or __version__}_amd64.deb"


@pytest.fixture(scope="session")
def debs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """This tree's .deb and an older build of it, built once per session."""
    folder = tmp_path_factory.mktemp("debs")
    return {
        "current": _build(None, folder / "dist", folder / "work"),
        "bundle": folder / "dist" / "outreach",
        "older": _build(OLDER, folder / "dist-older", folder / "work-older"),
    }


@pytest.fixture
def clean_system() -> Iterator[None]:
    if _run("dpkg-query", "-W", "outreach").returncode == 0:
        _apt("purge", "outreach")
    yield
    if _run("dpkg-query", "-W", "outreach").returncode == 0:
        _apt("purge", "outreach")


def _field(deb: Path, name: str) -> str:
    return _run("dpkg-deb", "--field", str(deb), name).stdout.strip()


def test_the_package_is_small_root_owned_and_declares_its_conffile(
    debs: dict[str, Path], tmp_path: Path
) -> None:
    deb = debs["current"]
    assert deb.stat().st_size <= LIMIT
    assert _field(deb, "Version") == __version__
    assert _field(deb, "Package") == "outreach"
    assert int(_field(deb, "Installed-Size")) > 0
    depends = {name.strip() for name in _field(deb, "Depends").split(",")}
    assert {"libegl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3", "libxcb-icccm4"} <= depends
    subprocess.run(["dpkg-deb", "--control", str(deb), str(tmp_path / "DEBIAN")], check=True)
    assert (tmp_path / "DEBIAN" / "conffiles").read_text().split() == [str(POLICY)]
    listing = _run("dpkg-deb", "--contents", str(deb)).stdout.splitlines()
    assert all(line.split()[1] == "root/root" for line in listing)
    names = {line.split()[5].removeprefix(".").rstrip("/") for line in listing}
    assert {str(path) for path in INSTALLED} <= names
    # The hub and its server stack stay out of the desktop app, as files and as modules.
    hub = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "psycopg", "alembic", "outreach.hub")
    assert not [name for name in names if any(part in name for part in hub)]
    # Modules are byte-compiled files in the bundle (noarchive: see the spec).
    internal = debs["bundle"] / "_internal"
    modules = {
        ".".join(path.relative_to(internal).with_suffix("").parts).removesuffix(".__init__")
        for path in internal.rglob("*.pyc")
    }
    assert {"outreach.gui", "outreach.selftest", "outreach.links.phones", "pydantic"} <= modules
    assert not [name for name in modules if name.startswith(hub)]
    assert not [name for name in modules if name.startswith(("PySide6.QtQml", "PySide6.QtSvg"))]


def test_the_self_test_fails_on_a_sqlcipher_from_outside_the_bundle(
    debs: dict[str, Path], tmp_path: Path
) -> None:
    bundle = tmp_path / "outreach"
    shutil.copytree(debs["bundle"], bundle, symlinks=True)
    inside = bundle / "_internal" / "sqlcipher3" / Path(outside.__file__).name
    assert inside.exists()
    inside.unlink()
    inside.symlink_to(outside.__file__)  # the same build, but not the bundle's copy
    policy = tmp_path / "policy.toml"
    policy.write_text("", "utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OUTREACH_POLICY_FILE=str(policy))
    done = _run(str(bundle / "outreach"), "self-test", env=env)
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert "sqlcipher" in report["errors"]
    assert report["sqlcipher"]["frozen"] is True
    assert report["sqlcipher"]["inside_bundle"] is False
    assert report["sqlcipher"]["module"] == str(Path(outside.__file__).resolve())
    assert report["encryption"]["ok"] is True  # it works; it is just not the one shipped


def _elf_files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def _self_test(env: dict[str, str]) -> dict[str, object]:
    done = _run("outreach", "self-test", env=env)
    report = json.loads(done.stdout)
    assert done.returncode == (0 if report["ok"] else 1)
    return report


def _assert_exists(path: Path) -> None:
    assert path.exists(), path


@pytest.mark.usefixtures("clean_system", "secret_service")
def test_install_run_upgrade_keeping_the_policy_then_purge(debs: dict[str, Path]) -> None:
    # The older build first, then IT edits the policy it installed.
    _apt("install", str(debs["older"]))
    assert _run("outreach", "--version").stdout.strip() == f"outreach {OLDER}"
    edited = POLICY.read_text("utf-8").replace("idle_lock_minutes = 5", "idle_lock_minutes = 7")
    assert edited != POLICY.read_text("utf-8")
    POLICY.write_text(edited + "# edited by IT\n", "utf-8")

    _apt("install", str(debs["current"]))
    assert _run("dpkg-query", "-W", "-f=${Version}", "outreach").stdout == __version__
    assert _run("outreach", "--version").stdout.strip() == f"outreach {__version__}"
    assert POLICY.read_text("utf-8") == edited + "# edited by IT\n"

    # Every library the bundle links to is there: Depends pulled in what it needs.
    internal = Path("/opt/outreach/_internal")
    env = dict(os.environ, LD_LIBRARY_PATH=f"{internal}:{internal / 'PySide6/Qt/lib'}")
    for path in _elf_files(Path("/opt/outreach")):
        assert "not found" not in _run("ldd", str(path), env=env).stdout, path

    # The policy (require_keyring = true) is met by the Secret Service the fixture runs.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    report = _self_test(env)
    assert report["ok"] is True, report
    cipher = report["sqlcipher"]
    assert isinstance(cipher, dict)
    assert cipher["frozen"] is True
    assert cipher["inside_bundle"] is True
    assert cipher["module"].startswith("/opt/outreach/_internal/")
    assert cipher["cipher_version"].startswith("4.")
    assert report["keyring"] == {
        "backend": report["keyring"]["backend"],  # type: ignore[index]
        "works": True,
        "problem": None,
        "required": True,
    }

    # The window, offscreen: up once the app logs its start, then SIGTERM ends it cleanly.
    demo = resolve_paths(None, env, demo=True)
    assert demo.data_dir.is_relative_to(env["HOME"])
    returncode, stderr = run_until_started_then_terminate(
        ["outreach", "demo"],
        env,
        demo.log_dir / "outreach.log",
        while_up=lambda: _assert_exists(demo.key_file),
    )
    assert returncode == 0, stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in stderr

    _apt("purge", "outreach")
    left = [str(path) for path in INSTALLED if path.exists() or path.is_symlink()]
    left += [str(p) for p in Path("/usr/share/icons/hicolor").rglob("org.outreach.app.*")]
    assert left == []
    assert not Path("/etc/xdg/outreach").exists()
    assert _run("dpkg-query", "-W", "outreach").returncode != 0
