"""The packages workflow parses, and what it runs exists in the tree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "packages.yml"


def _workflow() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML not installed")
    return yaml.safe_load(WORKFLOW.read_text("utf-8"))


def test_there_is_a_job_for_each_system() -> None:
    jobs = _workflow()["jobs"]
    assert {name: job["runs-on"] for name, job in jobs.items()} == {
        "windows": "windows-latest",
        "macos": "macos-latest",
        "linux": "ubuntu-latest",
    }


def test_every_script_the_workflow_runs_is_in_the_tree() -> None:
    runs = "\n".join(
        step.get("run", "") for job in _workflow()["jobs"].values() for step in job["steps"]
    )
    scripts = set(re.findall(r"(?<![\w/])packaging/[\w/.-]+\.(?:py|sh)", runs))
    assert {
        "packaging/build.py",
        "packaging/windows/build_msi.py",
        "packaging/windows/admx.py",
        "packaging/macos/sign.sh",
        "packaging/macos/pkg.sh",
        "packaging/macos/dmg.sh",
        "packaging/macos/notarize.sh",
        "packaging/macos/profile.py",
    } <= scripts
    assert [script for script in sorted(scripts) if not (ROOT / script).is_file()] == []


def test_the_windows_job_installs_silently_with_the_hub_address_and_uninstalls() -> None:
    steps = _workflow()["jobs"]["windows"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert '"/qn"' in runs
    assert "HUB_ADDRESS=$env:HUB" in runs
    assert '"/x"' in runs
    assert "--builder wix" in runs


def test_the_linux_job_runs_the_deb_test_on_the_debian_its_depends_name() -> None:
    job = _workflow()["jobs"]["linux"]
    assert job["container"] == "debian:bookworm"
    (test,) = [
        step for step in job["steps"] if "tests/packaging/test_deb.py" in step.get("run", "")
    ]
    assert test["env"]["OUTREACH_TEST_DEB"] == "1"
    assert (ROOT / "tests" / "packaging" / "test_deb.py").is_file()
