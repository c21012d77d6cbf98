"""docs/deploying-the-hub.md, made true: its `console` and `sql` blocks run in order against
a real hub (SQLite, and PostgreSQL as the role the doc makes), a laptop enrols with the code
they print and is wiped after they revoke it; the systemd unit and the nginx example agree
with the hub's own arguments and limits, and pass systemd's and nginx's checks where those
are installed."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn
from sqlalchemy.engine import make_url

from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.contract.wipe import WipeInstruction, verify
from outreach.headless import EXIT_OK, EXIT_WIPED
from outreach.hub import cli
from outreach.hub.settings import DATA_DIR_ENV, DATABASE_ENV, HubSettings
from outreach.sync import enrolment
from outreach.ui.shortcuts import SHORTCUTS
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.support.hubproc import HubProcess
from tests.support.postgres import binaries
from tests.support.tls import issue_server, make_authority

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deploying-the-hub.md"
UNIT = ROOT / "packaging" / "hub" / "outreach-hub@.service"
ENV_EXAMPLE = ROOT / "packaging" / "hub" / "hub.env.example"
NGINX = ROOT / "packaging" / "hub" / "nginx-outreach-hub.conf"
INSTANCE = "outreach-hub@8001.service"

# What differs between runs is masked before shown output is compared with real output.
_MASKS = (
    (re.compile(r"\b[0-9A-F]{6}(?:-[0-9A-F]{6}){4}\b"), "<code>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<device id>"),
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d\b"), "<time>"),
    # A device's label is the laptop's host name: this machine's, not the doc's.
    (re.compile(r"^(<device id>  \S+  \S+  )\S+(  seen )"), r"\1<label>\2"),
)


def blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)


@dataclass
class Step:
    command: list[str]
    shown: list[str] = field(default_factory=list)


def console_steps() -> list[Step]:
    """Each `$ ` line of the doc's console blocks, with the output shown under it."""
    steps: list[Step] = []
    for block in blocks("console"):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append(Step(shlex.split(line[2:])))
            else:
                steps[-1].shown.append(line)
    return steps


def masked(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        for pattern, placeholder in _MASKS:
            line = pattern.sub(placeholder, line)
        out.append(line)
    return out


def run_hub(env: dict[str, str], args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "outreach.hub", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Laptop:
    """A worker's vault in a folder of its own, driven by `outreach` as IT would run it."""

    def __init__(self, folder: Path) -> None:
        self.paths = AppPaths.in_folder(folder)
        self.vault = Vault(self.paths, Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF)
        self.vault.create(PASSPHRASE).close()
        policy = folder.parent / "policy.toml"
        policy.write_text("", encoding="utf-8")
        self.env = dict(
            os.environ,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            OUTREACH_POLICY_FILE=str(policy),
            QT_QPA_PLATFORM="offscreen",
        )
        self.env.pop("OUTREACH_DATA_DIR", None)

    def outreach(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        read, write = os.pipe()
        try:
            os.write(write, PASSPHRASE.encode() + b"\n")
            os.close(write)
            return subprocess.run(
                [sys.executable, "-m", "outreach", "--data-dir", str(self.paths.data_dir),
                 *args, "--passphrase-fd", str(read)],
                input=stdin,
                capture_output=True,
                text=True,
                env=self.env,
                pass_fds=(read,),
                timeout=120,
            )  # fmt: skip
        finally:
            os.close(read)

    def enrolment(self) -> enrolment.Enrolment:
        opened = self.vault.unlock(PASSPHRASE)
        try:
            found = enrolment.current(opened.db)
        finally:
            opened.close()
        assert found is not None
        return found


def doc_sql_statements() -> list[str]:
    """The doc's SQL for the superuser, without psql's own commands (``\\password``)."""
    (block,) = blocks("sql")
    sql = "\n".join(line for line in block.splitlines() if not line.startswith("\\"))
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


@dataclass
class Deployment:
    env: dict[str, str]  # an administrator's shell after sourcing hub.env
    url: str
    server: str | None = None  # the PostgreSQL superuser's URL


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    env = dict(os.environ)
    env.pop(DATABASE_ENV, None)
    env.pop(DATA_DIR_ENV, None)
    if request.param == "sqlite":
        env[DATA_DIR_ENV] = str(tmp_path / "hubdata")
        yield Deployment(env, f"sqlite:///{tmp_path / 'hubdata' / 'hub.sqlite3'}")
        return
    server = request.getfixturevalue("postgres_server")
    with psycopg.connect(server, autocommit=True) as conn:
        for statement in doc_sql_statements():
            conn.execute(statement)  # the doc's own SQL, as its superuser runs it
    url = make_url(server).set(username="outreach_hub", database="outreach_hub")
    env[DATABASE_ENV] = url.render_as_string(hide_password=False)
    yield Deployment(env, env[DATABASE_ENV], server)
    with psycopg.connect(server, autocommit=True) as conn:
        for database in ("outreach_hub", RESTORED):
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")  # names made here
        conn.execute("DROP ROLE outreach_hub")


RESTORED = "outreach_hub_restored"


def restored_copy(deployment: Deployment, folder: Path) -> str:
    """The hub's database dumped and restored into a new one as the doc says; its URL."""
    assert deployment.server is not None
    bin_dir = binaries()
    assert bin_dir is not None
    doc = DOC.read_text(encoding="utf-8")
    assert "pg_dump --format=custom" in doc
    assert "pg_restore --no-owner --role=outreach_hub" in doc
    as_superuser = make_url(deployment.server)
    dump = folder / "outreach_hub.dump"
    source = as_superuser.set(database="outreach_hub").render_as_string(hide_password=False)
    subprocess.run(
        [bin_dir / "pg_dump", "--format=custom", f"--dbname={source}", f"--file={dump}"],
        check=True,
        timeout=120,
    )
    (create,) = [s for s in doc_sql_statements() if s.startswith("CREATE DATABASE")]
    with psycopg.connect(deployment.server, autocommit=True) as conn:
        conn.execute(create.replace("DATABASE outreach_hub", f"DATABASE {RESTORED}", 1))
    target = as_superuser.set(database=RESTORED).render_as_string(hide_password=False)
    subprocess.run(
        [bin_dir / "pg_restore", "--no-owner", "--role=outreach_hub", f"--dbname={target}", dump],
        check=True,
        timeout=120,
    )
    restored = make_url(deployment.url).set(database=RESTORED)
    return restored.render_as_string(hide_password=False)


def revoked_answer(hub: HubProcess, found: enrolment.Enrolment) -> WipeInstruction:
    """What the hub tells a revoked laptop, checked as the laptop checks it."""
    told = httpx.get(
        hub.url + "/v1/device",
        headers={"Authorization": f"Bearer {found.credential}"},
        timeout=30,
    )
    assert (told.status_code, told.json()["code"]) == (403, "device_revoked")
    wipe = WipeInstruction.model_validate(told.json()["wipe"])
    assert verify(found.hub_key, wipe, found.device_id)
    return wipe


def test_the_docs_commands_set_up_a_team_enrol_a_laptop_and_wipe_it_when_revoked(
    deployment: Deployment, tmp_path: Path
) -> None:
    env, url = deployment.env, deployment.url
    laptop = Laptop(tmp_path / "laptop")
    hub: HubProcess | None = None
    codes: dict[str, str] = {}
    device_id = ""
    ran: list[str] = []
    try:
        for step in console_steps():
            assert step.command[0] == "outreach-hub", step.command
            args = step.command[1:]
            if args[0] == "devices" and hub is None:
                # Where the doc has a worker connect: the app enrols with ana's code and
                # syncs once, so the device has been seen.
                hub = HubProcess(url)
                hub.start()
                enrolled = laptop.outreach("enrol", "--hub", hub.url, stdin=codes["ana"] + "\n")
                assert enrolled.returncode == EXIT_OK, enrolled.stderr
                assert json.loads(enrolled.stdout) == {
                    "enrolled": True,
                    "user": "ana",
                    "role": "worker",
                }
                synced = laptop.outreach("sync")
                assert synced.returncode == EXIT_OK, synced.stderr
                device_id = laptop.enrolment().device_id
                lead = httpx.post(hub.url + "/v1/enrol", json={"code": codes["lee"]}, timeout=30)
                assert (lead.status_code, lead.json()["role"]) == (201, "lead")
            args = [device_id if word == "DEVICE_ID" else word for word in args]
            done = run_hub(env, args)
            assert done.returncode == 0, (step.command, done.stderr)
            ran.append(args[0])
            if step.shown:
                assert masked(done.stdout.splitlines()) == masked(step.shown), step.command
            if args[0] == "enrolment-code":
                codes[args[1]] = done.stdout.strip()
            if args[0] == "devices":
                assert device_id in done.stdout
        assert {"migrate", "team", "user", "enrolment-code", "revoke", "purge"} <= set(ran)
        assert hub is not None

        # The revoked laptop's next request, whatever it is, carries a wipe that verifies
        # with the key the laptop recorded at enrolment.
        found = laptop.enrolment()
        revoked_answer(hub, found)
        if deployment.server is not None:
            # A restored dump holds the devices and the signing key: the wipe still verifies.
            copy = HubProcess(restored_copy(deployment, tmp_path))
            copy.start()
            try:
                revoked_answer(copy, found)
            finally:
                copy.stop()

        # nginx's own 413 says what the hub's says.
        too_big = httpx.post(
            hub.url + "/v1/summaries",
            content=b" " * (HubSettings(database_url=url).max_body_bytes + 1),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        (nginx_body,) = re.findall(r"return 413 '([^']*)';", NGINX.read_text())
        assert (too_big.status_code, too_big.json()) == (413, json.loads(nginx_body))

        wiped = laptop.outreach("sync")
        assert wiped.returncode == EXIT_WIPED, wiped.stderr
        assert laptop.vault.state() == "wiped"
    finally:
        if hub is not None:
            hub.stop()


def test_the_doc_names_the_apps_enrolment_shortcut() -> None:
    (enrol,) = [s for s in SHORTCUTS if s.action == "enrol"]
    assert f"(`{enrol.keys}`)" in DOC.read_text(encoding="utf-8")


# --- the systemd unit ---------------------------------------------------------------------


def exec_start() -> str:
    (line,) = [ln for ln in UNIT.read_text().splitlines() if ln.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=")


def test_the_units_command_line_is_one_the_hub_accepts() -> None:
    argv = [word.replace("%i", "8001") for word in shlex.split(exec_start())]
    assert Path(argv[0]).name == "outreach-hub"
    args = cli._parser().parse_args(argv[1:])
    assert (args.command, args.host, args.port, args.workers) == ("serve", "127.0.0.1", 8001, 1)
    assert args.proxy_headers
    assert args.certfile is None
    assert args.database_url is None
    # nginx sends to the address the instances listen on, and the doc shows this command.
    upstreams = re.findall(r"^\s*server\s+([\d.]+):(\d+)", NGINX.read_text(), re.M)
    assert upstreams
    assert {host for host, _port in upstreams} == {args.host}
    assert exec_start() in DOC.read_text(encoding="utf-8")


def test_the_environment_file_is_what_the_hub_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    assignments = [
        ln for ln in ENV_EXAMPLE.read_text().splitlines() if ln and not ln.startswith("#")
    ]
    doc = DOC.read_text(encoding="utf-8")
    values = {}
    for line in assignments:
        assert line in doc  # the doc shows the file as it is
        name, _, quoted = line.partition("=")
        values[name] = shlex.split(quoted)[0]
    assert set(values) == {DATABASE_ENV, "FORWARDED_ALLOW_IPS"}
    unit = UNIT.read_text()
    assert "EnvironmentFile=/etc/outreach-hub/hub.env" in unit
    monkeypatch.setenv(DATABASE_ENV, values[DATABASE_ENV])
    assert HubSettings.from_env().database_url == values[DATABASE_ENV]
    assert make_url(values[DATABASE_ENV]).get_backend_name() == "postgresql"


@pytest.fixture
def installed_unit(tmp_path: Path) -> Path:
    """The unit as installed here: its ExecStart names this environment's outreach-hub."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    script = Path(sys.executable).parent / "outreach-hub"
    if not script.exists():
        pytest.skip("outreach-hub is not installed as a script beside this Python")
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text().replace("/opt/outreach-hub/bin/outreach-hub", str(script)))
    return unit


def test_systemd_verifies_the_unit(installed_unit: Path) -> None:
    done = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            str(installed_unit.with_name(INSTANCE)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # Unknown keys are only warnings; other units on the machine are not this test's.
    assert [ln for ln in done.stderr.splitlines() if "outreach-hub" in ln] == []


def test_systemd_rates_the_units_exposure_ok(installed_unit: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(installed_unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found[1]) < 2.0
    assert found[2] == "OK"


# --- the nginx example ---------------------------------------------------------------------


def nginx_setting(name: str) -> str:
    (value,) = re.findall(rf"^\s*{name}\s+([^;]+);", NGINX.read_text(), re.M)
    return value.strip()


def test_nginx_refuses_bodies_where_the_hub_does() -> None:
    limit = nginx_setting("client_max_body_size")
    assert limit.endswith("k")
    assert int(limit[:-1]) * 1024 == HubSettings(database_url="").max_body_bytes
    assert nginx_setting("client_body_buffer_size") == limit  # kept in memory, never on disk
    assert nginx_setting("proxy_max_temp_file_size") == "0"


def test_nginx_closes_idle_connections_before_the_hub_does() -> None:
    upstream = re.search(r"upstream outreach_hub \{(.*?)\}", NGINX.read_text(), re.S)
    assert upstream
    (seconds,) = re.findall(r"keepalive_timeout (\d+)s;", upstream[1])
    assert int(seconds) < uvicorn.Config("outreach.hub.server:build").timeout_keep_alive


def test_nginx_accepts_the_example(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        pytest.skip("nginx is not installed here")
    server = issue_server(make_authority(tmp_path, "ca"), tmp_path)
    site = (
        NGINX.read_text()
        .replace("/etc/ssl/outreach-hub/fullchain.pem", str(server.certfile))
        .replace("/etc/ssl/outreach-hub/privkey.pem", str(server.keyfile))
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "[warn]" not in done.stderr, done.stderr
