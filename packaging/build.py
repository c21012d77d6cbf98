"""Build the frozen app and the Linux package (standard library only).

    python3 packaging/build.py bundle    dist/outreach/, PyInstaller's onedir bundle
    python3 packaging/build.py deb       the bundle, then dist/outreach_<version>_amd64.deb

PyInstaller runs from .venv (install it with `.venv/bin/pip install -e .[package]`), or
from the Python in OUTREACH_BUILD_PYTHON. The version is outreach.__version__;
OUTREACH_BUILD_VERSION overrides it for the upgrade test's older build only. Builds are
made reproducible where the tools allow: SOURCE_DATE_EPOCH from the last commit, a fixed
PYTHONHASHSEED, sorted file order, every mtime at SOURCE_DATE_EPOCH, root-owned files.
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ICONS = PACKAGING / "icons"
APP_ID = "org.outreach.app"
BUNDLE_SIZE_LIMIT = 45 * 1024 * 1024  # the .deb, as downloaded

# Every library the bundle links to outside itself, and the Debian package that has it.
# The build stops on a library missing here, so Depends always covers what is linked.
SYSTEM_LIBRARIES = {
    "ld-linux-x86-64.so.2": "libc6",
    "libc.so.6": "libc6",
    "libdl.so.2": "libc6",
    "libm.so.6": "libc6",
    "libpthread.so.0": "libc6",
    "libresolv.so.2": "libc6",
    "librt.so.1": "libc6",
    "libutil.so.1": "libc6",
    "libgcc_s.so.1": "libgcc-s1",
    "libstdc++.so.6": "libstdc++6",
    "libcrypt.so.1": "libcrypt1",
    "libz.so.1": "zlib1g",
    "libexpat.so.1": "libexpat1",
    "libmpdec.so.3": "libmpdec3",
    "libtinfo.so.6": "libtinfo6",
    "libncursesw.so.6": "libncursesw6",
    "libnsl.so.2": "libnsl2",
    "libtirpc.so.3": "libtirpc3",
    "libbz2.so.1.0": "libbz2-1.0",
    "liblzma.so.5": "liblzma5",
    "libzstd.so.1": "libzstd1",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libffi.so.8": "libffi8",
    "libuuid.so.1": "libuuid1",
    "libsqlite3.so.0": "libsqlite3-0",
    "libcrypto.so.3": "libssl3",
    "libssl.so.3": "libssl3",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

DESCRIPTION = """\
Encrypted, offline-first recording for outreach workers
 Outreach workers record what they see when children are being exploited:
 contacts, vehicles, places, gifts, injuries, people and missing episodes,
 kept in an encrypted vault on the laptop, linked across young people, and
 sent to the agency's hub as data-minimised summaries when online."""

DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Name=Outreach
GenericName=Outreach recording
Comment=Encrypted recording for outreach workers
Exec=outreach
Icon=org.outreach.app
Terminal=false
Categories=Office;
StartupWMClass=outreach
"""


def _python() -> str:
    chosen = os.environ.get("OUTREACH_BUILD_PYTHON")
    if chosen:
        return chosen
    venv = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return str(venv) if venv.exists() else sys.executable


def version() -> str:
    return str(runpy.run_path(str(PACKAGING / "version.py"))["build_version"]())


def source_date_epoch() -> int:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    done = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True
    )
    return int(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else 0


def bundle(dist: Path, work: Path) -> Path:
    """Freeze the app with packaging/outreach.spec into dist/outreach."""
    env = dict(
        os.environ,
        SOURCE_DATE_EPOCH=str(source_date_epoch()),
        PYTHONHASHSEED="0",  # PyInstaller's archives hold sets written in hash order
    )
    started = time.monotonic()
    command = [_python(), "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level=ERROR"]
    command += ["--distpath", str(dist), "--workpath", str(work), str(PACKAGING / "outreach.spec")]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    target = dist / "outreach"
    print(f"bundle: {target} ({_tree_size(target) / 2**20:.0f} MiB) in {_since(started)}")
    return target


def deb(bundle_dir: Path, out_dir: Path, work: Path, *, compress: bool = True) -> Path:
    """dist/outreach_<version>_amd64.deb from the frozen bundle."""
    started = time.monotonic()
    ver = version()
    epoch = source_date_epoch()
    root = work / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(bundle_dir, root / "opt" / "outreach", symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    # The bootloader finds its _internal folder through /proc/self/exe, so a link will do.
    (root / "usr" / "bin" / "outreach").symlink_to("/opt/outreach/outreach")
    applications = root / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    (applications / f"{APP_ID}.desktop").write_text(DESKTOP_ENTRY, "utf-8")
    hicolor = root / "usr" / "share" / "icons" / "hicolor"
    for png in sorted(ICONS.glob(f"{APP_ID}-*.png")):
        size = png.stem.rsplit("-", 1)[1]
        folder = hicolor / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copyfile(png, folder / f"{APP_ID}.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copyfile(ICONS / f"{APP_ID}.svg", hicolor / "scalable" / "apps" / f"{APP_ID}.svg")
    policy = root / "etc" / "xdg" / "outreach" / "policy.toml"
    policy.parent.mkdir(parents=True)
    shutil.copyfile(PACKAGING / "policy.example.toml", policy)

    control = root / "DEBIAN"
    control.mkdir()
    depends = ", ".join(sorted(_depends(root / "opt" / "outreach")))
    installed_kib = (_tree_size(root) + 1023) // 1024
    (control / "control").write_text(
        f"Package: outreach\nVersion: {ver}\nArchitecture: amd64\n"
        "Maintainer: Outreach developers <outreach@example.org>\n"
        f"Installed-Size: {installed_kib}\nDepends: {depends}\n"
        "Section: misc\nPriority: optional\n"
        f"Description: {DESCRIPTION}\n",
        "utf-8",
    )
    # A conffile: dpkg keeps IT's edits across upgrades and removes it only on purge.
    (control / "conffiles").write_text("/etc/xdg/outreach/policy.toml\n", "utf-8")
    _normalise(root, epoch)

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"outreach_{ver}_amd64.deb"
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    compression = "-Zxz" if compress else "-Znone"
    subprocess.run(
        ["dpkg-deb", "--build", "--root-owner-group", compression, str(root), str(target)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    size = target.stat().st_size
    print(f"deb: {target} ({size / 2**20:.1f} MiB, limit 45 MiB) in {_since(started)}")
    if compress and size > BUNDLE_SIZE_LIMIT:
        raise SystemExit(f"{target.name} is {size} bytes, over the 45 MiB limit")
    return target


def _depends(bundle_dir: Path) -> set[str]:
    """Packages for every library the bundle's ELF files need from outside it."""
    inside = {path.name for path in bundle_dir.rglob("*") if path.is_file() or path.is_symlink()}
    needed: set[str] = set()
    for path in sorted(bundle_dir.rglob("*")):
        if path.is_symlink() or not path.is_file() or not _is_elf(path):
            continue
        dump = subprocess.run(
            ["objdump", "-p", str(path)], capture_output=True, text=True, check=True
        ).stdout
        needed |= set(re.findall(r"^\s*NEEDED\s+(\S+)", dump, re.MULTILINE))
    outside = needed - inside
    unknown = sorted(outside - SYSTEM_LIBRARIES.keys())
    if unknown:
        raise SystemExit(f"no Debian package known for {unknown}: add them to SYSTEM_LIBRARIES")
    return {SYSTEM_LIBRARIES[name] for name in outside}


def _is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def _normalise(root: Path, epoch: int) -> None:
    """Same modes and times for the same input, whatever the umask and the clock."""
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_symlink():
            os.utime(path, (epoch, epoch), follow_symlinks=False)
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)
        os.utime(path, (epoch, epoch))
    root.chmod(0o755)
    os.utime(root, (epoch, epoch))


def _tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.0f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["bundle", "deb"])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where results go")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="scratch folder")
    parser.add_argument(
        "--uncompressed",
        action="store_true",
        help="store the .deb's files uncompressed (quicker; for the upgrade test's older build)",
    )
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    frozen = bundle(dist, work / "pyinstaller")
    if args.step == "deb":
        deb(frozen, dist, work, compress=not args.uncompressed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
