"""Enrolment, the agency's wipe of a revoked laptop, a wipe that does not verify, and the
headless ``outreach enrol`` / ``outreach sync`` commands, against a real hub."""

from __future__ import annotations

import base64
import io
import json
import os
import platform
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import update

from outreach import headless
from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.contract.summary import Enrolled
from outreach.contract.wipe import public_key_text, sign
from outreach.headless import EXIT_FAILED, EXIT_OK, EXIT_WIPED
from outreach.hub.tables import hub_secrets
from outreach.records import caseload
from outreach.records.keep_asking import KeepAsking
from outreach.records.store import RecordStore
from outreach.sync import enrolment
from outreach.sync.approval import Approvals
from outreach.sync.client import HubClient
from outreach.sync.engine import Backoff, Stop, SyncEngine, status
from outreach.sync.enrolment import EnrolmentRefused
from outreach.sync.outbox import ItemState, Outbox
from outreach.vault.crypto import generate_recovery_keypair
from outreach.vault.device import SERVICE, DeviceSecretStore
from outreach.vault.errors import VaultWiped
from outreach.vault.keyfile import read_key_file
from outreach.vault.vault import OpenVault, Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.support.hubproc import HubProcess, Team
from tests.support.keyrings import MemoryKeyring
from tests.sync.front import Front


class Laptop:
    """A worker's laptop whose vault is bound to a keyring (kept in memory) and sealed to an
    agency recovery key, with made-up records, a backup, and approved summaries."""

    def __init__(self, folder: Path, hub: HubProcess, team: Team) -> None:
        self.keyring = MemoryKeyring()
        _private, public = generate_recovery_keypair()
        self.vault = Vault(
            AppPaths.in_folder(folder),
            Policy(recovery_public_key=public),
            DeviceSecretStore(self.keyring),
            kdf=CHEAP_KDF,
        )
        self.opened: OpenVault | None = self.vault.create(PASSPHRASE)
        load = caseload.generate(people=3, contacts=5, seed=11)
        RecordStore(self.db).import_records(load.people, load.contacts)
        self.opened.backup()
        code, _ = hub.admin.enrolment_code(f"{team.name}-w0")
        self.enrolment = enrolment.enrol(self.db, hub.url, code)

    @property
    def db(self):  # type: ignore[no-untyped-def]
        assert self.opened is not None
        return self.opened.db

    def approve(self, count: int) -> list[str]:
        approvals = Approvals(RecordStore(self.db))
        uids = [u for (u,) in self.db.query("SELECT uid FROM contacts ORDER BY uid")][:count]
        return [approvals.approve(approvals.preview(uid)).idempotency_key for uid in uids]

    def sync(self) -> Stop:
        with HubClient(
            self.enrolment.address, credential=self.enrolment.credential, timeout=5
        ) as client:
            return SyncEngine(self.db, client, backoff=Backoff(base=0.01, cap=0.05)).run().stop

    def close(self) -> None:
        if self.opened is not None:
            self.opened.close()
            self.opened = None

    def files(self) -> dict[str, bytes]:
        """Every file in the data folder, by its path within it, with its bytes."""
        root = self.vault.paths.data_dir
        return {
            str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and "logs" not in p.parts
        }


@pytest.fixture
def laptops(tmp_path: Path) -> Iterator[list[Laptop]]:
    made: list[Laptop] = []
    yield made
    for laptop in made:
        laptop.close()


def new_laptop(laptops: list[Laptop], folder: Path, hub: HubProcess) -> Laptop:
    laptop = Laptop(folder / f"laptop-{len(laptops)}", hub, hub.team(workers=1))
    laptops.append(laptop)
    return laptop


# --- a revoked laptop -------------------------------------------------------------------


@pytest.mark.parametrize("waiting", [3, 0], ids=["with-items-waiting", "with-nothing-to-send"])
def test_a_revoked_laptop_is_told_to_wipe_and_shred_leaves_nothing(
    sync_hub: HubProcess, laptops: list[Laptop], tmp_path: Path, waiting: int
) -> None:
    laptop = new_laptop(laptops, tmp_path, sync_hub)
    laptop.approve(waiting)
    vault_id = read_key_file(laptop.vault.paths.key_file).vault_id
    assert (SERVICE, vault_id) in laptop.keyring.entries
    assert read_key_file(laptop.vault.paths.key_file).recovery is not None
    paths = laptop.vault.paths
    assert any(paths.backup_dir.iterdir())

    sync_hub.admin.revoke(laptop.enrolment.device_id)
    assert laptop.sync() is Stop.WIPE
    laptop.close()
    laptop.vault.shred()

    database = paths.vault_file
    for suffix in ("", "-wal", "-shm"):
        assert not Path(str(database) + suffix).exists()
    assert not paths.backup_dir.exists() or list(paths.backup_dir.iterdir()) == []
    key_file = read_key_file(paths.key_file)
    assert (key_file.wrapped, key_file.recovery, key_file.wiped_by) == (None, None, "agency")
    assert key_file.wiped_at
    assert laptop.keyring.entries == {}
    assert laptop.vault.state() == "wiped"
    with pytest.raises(VaultWiped) as wiped:
        laptop.vault.unlock(PASSPHRASE)
    assert wiped.value.by_agency
    assert not wiped.value.recoverable_by_agency
    # Only the key file (without any wrapping) is left in the data folder.
    assert sorted(laptop.files()) == [paths.key_file.name]


@pytest.fixture
def own_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """A hub of its own: the test changes the hub's signing key."""
    hub = HubProcess(f"sqlite:///{tmp_path_factory.mktemp('ownhub') / 'hub.sqlite3'}")
    hub.start()
    yield hub
    hub.stop()


def test_a_wipe_that_does_not_verify_is_never_acted_on(
    own_hub: HubProcess, laptops: list[Laptop], tmp_path: Path
) -> None:
    laptop = new_laptop(laptops, tmp_path, own_hub)
    keys = laptop.approve(2)
    # The hub's signing key changes after enrolment: its instructions no longer verify
    # with the key the laptop recorded (as with a forged hub or a proxy in the middle).
    other = Ed25519PrivateKey.generate()
    pem = other.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    with own_hub.engine.begin() as conn:
        conn.execute(update(hub_secrets).where(hub_secrets.c.name == "wipe_key").values(value=pem))
    own_hub.admin.revoke(laptop.enrolment.device_id)

    assert laptop.sync() is Stop.FORGED_WIPE
    assert status(laptop.db).problem == "forged_wipe"
    items = Outbox(laptop.db).items(list(ItemState))
    assert [i.idempotency_key for i in items] == keys
    assert {i.state for i in items} == {ItemState.FAILED}
    assert laptop.sync() is Stop.FORGED_WIPE  # and again: still nothing done
    vault_id = read_key_file(laptop.vault.paths.key_file).vault_id
    laptop.close()
    before = laptop.files()
    assert read_key_file(laptop.vault.paths.key_file).wrapped is not None
    assert (SERVICE, vault_id) in laptop.keyring.entries
    assert laptop.vault.state() == "locked"
    again = laptop.vault.unlock(PASSPHRASE)
    try:
        assert again.db.scalar("SELECT count(*) FROM contacts") == 5
        assert again.db.scalar("SELECT count(*) FROM outbox") == 2
    finally:
        again.close()
    assert set(laptop.files()) >= set(before)


def wipe_answer(instruction: dict[str, object]) -> httpx.MockTransport:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403,
            json={"code": "device_revoked", "detail": "revoked", "wipe": instruction},
        )

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(
    "tamper",
    ["another_device", "other_time", "bad_signature", "no_instruction", "wrong_action"],
)
def test_only_a_wipe_signed_for_this_very_device_verifies(tmp_path: Path, tamper: str) -> None:
    key = Ed25519PrivateKey.generate()
    device = "a" * 32
    vault = Vault(AppPaths.in_folder(tmp_path / "v"), Policy(), DeviceSecretStore(None),
                  kdf=CHEAP_KDF)  # fmt: skip
    opened = vault.create(PASSPHRASE)
    try:
        enrolment.save(
            opened.db,
            "http://127.0.0.1:9",
            Enrolled(
                device_id=device,
                credential=f"{device}.s",
                hub_key=public_key_text(key),
                user="w",
                role="worker",
                team="t",
            ),
        )
        issued = datetime(2026, 11, 1, tzinfo=UTC)
        good = sign(key, device, issued).model_dump(mode="json")

        def run(instruction: dict[str, object]) -> Stop:
            client = HubClient(
                "http://127.0.0.1:9", credential="x.y", transport=wipe_answer(instruction)
            )
            with client:
                return SyncEngine(opened.db, client).run().stop

        assert run(good) is Stop.WIPE
        if tamper == "another_device":
            bad = sign(key, "b" * 32, issued).model_dump(mode="json")
            bad["device_id"] = device  # claims this device, signed for another
        elif tamper == "other_time":
            bad = {**good, "issued_at": "2026-11-02T00:00:00+00:00"}
        elif tamper == "bad_signature":
            forged = Ed25519PrivateKey.generate().sign(b"wipe")
            bad = {**good, "signature": base64.b64encode(forged).decode()}
        elif tamper == "wrong_action":
            bad = {**good, "action": "nothing"}
        else:
            bad = {}
        assert run(bad) is Stop.FORGED_WIPE
    finally:
        opened.close()


# --- enrolment --------------------------------------------------------------------------


def test_a_used_or_unknown_code_is_refused_and_nothing_is_stored(
    sync_hub: HubProcess, tmp_path: Path
) -> None:
    team = sync_hub.team(workers=1)
    vault = Vault(AppPaths.in_folder(tmp_path / "v"), Policy(), DeviceSecretStore(None),
                  kdf=CHEAP_KDF)  # fmt: skip
    opened = vault.create(PASSPHRASE)
    try:
        with pytest.raises(EnrolmentRefused) as refused:
            enrolment.enrol(opened.db, sync_hub.url, "NOT-A-CODE")
        assert refused.value.status == 401
        assert enrolment.current(opened.db) is None
        code, _ = sync_hub.admin.enrolment_code(f"{team.name}-w0")
        found = enrolment.enrol(opened.db, sync_hub.url + "/", f"  {code.lower()}  ")
        assert (found.address, found.role, found.team) == (sync_hub.url, "worker", team.name)
        assert enrolment.current(opened.db) == found
        with pytest.raises(EnrolmentRefused):
            enrolment.enrol(opened.db, sync_hub.url, code)  # used
        assert enrolment.current(opened.db) == found  # the earlier enrolment stands
    finally:
        opened.close()


# --- outreach enrol / outreach sync as IT runs them ---------------------------------------


def outreach(
    data: Path, *args: str, stdin: str = "", passphrase: str = PASSPHRASE, policy: str = ""
) -> tuple[int, str, str]:
    """``python -m outreach --data-dir DATA ARGS --passphrase-fd N``, the passphrase written
    to a pipe whose read end the child inherits."""
    policy_file = data.parent / f"{data.name}-policy.toml"
    policy_file.write_text(policy, encoding="utf-8")
    environ = dict(
        os.environ,
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        OUTREACH_POLICY_FILE=str(policy_file),
        QT_QPA_PLATFORM="offscreen",
    )
    environ.pop("OUTREACH_DATA_DIR", None)
    read, write = os.pipe()
    try:
        os.write(write, passphrase.encode() + b"\n")
        os.close(write)
        done = subprocess.run(
            [sys.executable, "-m", "outreach", "--data-dir", str(data), *args,
             "--passphrase-fd", str(read)],
            input=stdin,
            capture_output=True,
            text=True,
            env=environ,
            pass_fds=(read,),
            timeout=120,
            check=False,
        )  # fmt: skip
    finally:
        os.close(read)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    vault = Vault(AppPaths.in_folder(data), Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF)
    opened = vault.create(PASSPHRASE)
    load = caseload.generate(people=3, contacts=4, seed=5)
    RecordStore(opened.db).import_records(load.people, load.contacts)
    opened.close()
    return data


def approve_all(data: Path) -> int:
    vault = Vault(AppPaths.in_folder(data), Policy(), DeviceSecretStore(None))
    opened = vault.unlock(PASSPHRASE)
    try:
        approvals = Approvals(RecordStore(opened.db))
        uids = [u for (u,) in opened.db.query("SELECT uid FROM contacts")]
        for uid in uids:
            approvals.approve(approvals.preview(uid))
        return len(uids)
    finally:
        opened.close()


def test_outreach_enrol_and_sync_print_json_and_say_how_it_went(
    sync_hub: HubProcess, data_folder: Path
) -> None:
    team = sync_hub.team(workers=1)
    code, _ = sync_hub.admin.enrolment_code(f"{team.name}-w0")
    known = {device.id for device in sync_hub.admin.devices(team.name)}

    # Not enrolled yet: sync says so.
    status_code, out, err = outreach(data_folder, "sync")
    assert (status_code, out) == (EXIT_FAILED, "")
    assert err.strip()

    # A wrong passphrase: nothing happens, the code is not spent.
    status_code, out, _err = outreach(
        data_folder, "enrol", "--hub", sync_hub.url, stdin=code + "\n", passphrase="wrong"
    )
    assert (status_code, out) == (EXIT_FAILED, "")

    # A code that is not one.
    status_code, out, err = outreach(
        data_folder, "enrol", "--hub", sync_hub.url, stdin="NOPE-NOPE\n"
    )
    assert (status_code, out) == (EXIT_FAILED, "")
    assert "code" in err  # refused for the code, not for the pause after a wrong passphrase

    status_code, out, _err = outreach(
        data_folder, "enrol", "--hub", sync_hub.url, stdin=code + "\n"
    )
    assert status_code == EXIT_OK, _err
    assert json.loads(out) == {"enrolled": True, "user": f"{team.name}-w0", "role": "worker"}
    # IT tells the laptop apart by its host name, to revoke the right one when it is lost.
    labels = [d.label for d in sync_hub.admin.devices(team.name) if d.id not in known]
    assert labels == [platform.node()[:80]]

    count = approve_all(data_folder)
    status_code, out, err = outreach(data_folder, "sync")
    assert status_code == EXIT_OK, err
    report = json.loads(out)
    assert (report["acknowledged"], report["failed"], report["held"], report["problem"]) == (
        count,
        0,
        0,
        "",
    )

    # A "needs more" review comes back on the next sync.
    lead = team.devices["lead"]
    uid = lead.get("/v1/summaries").json()["items"][0]["summary"]["id"]
    answer = lead.post(
        f"/v1/summaries/{uid}/reviews",
        {"outcome": "needs_more", "questions": ["Who drives the silver car?"]},
    )
    assert answer.status_code in (200, 201), answer.text
    status_code, out, err = outreach(data_folder, "sync")
    assert status_code == EXIT_OK, err
    report = json.loads(out)
    assert (report["acknowledged"], report["reviews"], report["problem"]) == (0, 1, "")
    vault = Vault(AppPaths.in_folder(data_folder), Policy(), DeviceSecretStore(None))
    opened = vault.unlock(PASSPHRASE)
    try:
        people = RecordStore(opened.db).contact(uid).contact.people
        asked = [
            q.person_id
            for q in KeepAsking(opened.db).open_questions(list(people))
            if q.text == "Who drives the silver car?"
        ]
    finally:
        opened.close()
    assert sorted(asked) == sorted(people)
    assert report["questions"] == len(people)


def test_a_laptop_enrolled_with_another_hub_than_policy_names_sends_nothing(
    sync_hub: HubProcess, data_folder: Path
) -> None:
    """Enrolled with a test hub before IT's policy named the agency's, or the hub moved:
    nothing goes to the old address, and the worker is told to connect again."""
    team = sync_hub.team(workers=1)
    code, _ = sync_hub.admin.enrolment_code(f"{team.name}-w0")
    assert outreach(data_folder, "enrol", "--hub", sync_hub.url, stdin=code)[0] == EXIT_OK
    approve_all(data_folder)
    moved = 'hub_address = "https://hub.agency.example"\n'
    status_code, out, err = outreach(data_folder, "sync", policy=moved)
    assert (status_code, out) == (EXIT_FAILED, "")
    assert "another hub" in err
    assert "outreach enrol" in err  # the command, not the desktop's shortcut
    assert team.worker.get("/v1/summaries").json()["items"] == []
    # The same address written another way is the same hub.
    same = f'hub_address = "{sync_hub.url.upper().replace("HTTP://", "http://")}/"\n'
    status_code, out, err = outreach(data_folder, "sync", policy=same)
    assert status_code == EXIT_OK, err


def test_outreach_sync_with_the_hub_away_exits_1_with_the_problem(
    sync_hub: HubProcess, data_folder: Path
) -> None:
    team = sync_hub.team(workers=1)
    code, _ = sync_hub.admin.enrolment_code(f"{team.name}-w0")
    assert outreach(data_folder, "enrol", "--hub", sync_hub.url, stdin=code)[0] == EXIT_OK
    count = approve_all(data_folder)
    # The enrolment now points at a port where nothing listens.
    vault = Vault(AppPaths.in_folder(data_folder), Policy(), DeviceSecretStore(None))
    opened = vault.unlock(PASSPHRASE)
    from tests.support.postgres import free_port

    with opened.db.transaction():
        opened.db.execute(
            "UPDATE hub_enrolment SET address = ?", (f"http://127.0.0.1:{free_port()}",)
        )
    opened.close()
    status_code, out, err = outreach(data_folder, "sync")
    assert status_code == EXIT_FAILED
    report = json.loads(out)
    assert (report["problem"], report["failed"], report["acknowledged"]) == ("offline", count, 0)
    assert report["next_try_at"] is not None
    assert err.strip()


def test_outreach_sync_on_a_revoked_laptop_shreds_it_and_exits_4(
    sync_hub: HubProcess, data_folder: Path
) -> None:
    team = sync_hub.team(workers=1)
    code, _ = sync_hub.admin.enrolment_code(f"{team.name}-w0")
    status_code, out, _err = outreach(data_folder, "enrol", "--hub", sync_hub.url, stdin=code)
    assert status_code == EXIT_OK
    approve_all(data_folder)
    vault = Vault(AppPaths.in_folder(data_folder), Policy(), DeviceSecretStore(None))
    opened = vault.unlock(PASSPHRASE)
    device_id = enrolment.current(opened.db).device_id  # type: ignore[union-attr]
    opened.close()
    sync_hub.admin.revoke(device_id)

    status_code, out, err = outreach(data_folder, "sync")
    assert status_code == EXIT_WIPED, err
    assert json.loads(out)["problem"] == "wipe"
    assert err.strip()
    assert vault.state() == "wiped"
    assert not vault.paths.vault_file.exists()
    # Asked again, the vault is still wiped, and says so the same way.
    status_code, out, err = outreach(data_folder, "sync")
    assert (status_code, out) == (EXIT_WIPED, "")
    status_code, _out, _err = outreach(data_folder, "enrol", "--hub", sync_hub.url, stdin="X")
    assert status_code == EXIT_WIPED


# --- outreach enrol / outreach sync say what went wrong in words --------------------------


def no_traceback(err: str) -> bool:
    return "Traceback" not in err and "Error" not in err


def point_at(data: Path, address: str) -> None:
    """Make the enrolment stored in the vault point at ``address``."""
    vault = Vault(AppPaths.in_folder(data), Policy(), DeviceSecretStore(None))
    opened = vault.unlock(PASSPHRASE)
    try:
        with opened.db.transaction():
            opened.db.execute("UPDATE hub_enrolment SET address = ?", (address,))
    finally:
        opened.close()


def enrolled(hub: HubProcess, data: Path) -> None:
    team = hub.team(workers=1)
    code, _ = hub.admin.enrolment_code(f"{team.name}-w0")
    assert outreach(data, "enrol", "--hub", hub.url, stdin=code)[0] == EXIT_OK


@pytest.mark.parametrize("command", ["enrol", "sync"])
def test_outreach_says_a_pinned_ca_it_cannot_read_in_words(
    sync_hub: HubProcess,
    data_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    """Policy checks the pin when it is read, so a process that starts with a bad pin
    stops there; this is the file gone or changed since, in the same process."""
    if command == "sync":
        enrolled(sync_hub, data_folder)
        approve_all(data_folder)
        point_at(data_folder, "https://127.0.0.1:9")  # HTTPS, so the pin is read
    policy = Policy(hub_pinned_ca=str(tmp_path / "agency-ca.pem"))  # no such file
    monkeypatch.setattr(DeviceSecretStore, "from_system", classmethod(lambda cls: cls(None)))
    monkeypatch.setattr(sys, "stdin", io.StringIO("ABCD-EFGH\n"))
    read, write = os.pipe()
    os.write(write, PASSPHRASE.encode())
    os.close(write)  # the command closes the read end

    paths = AppPaths.in_folder(data_folder)
    if command == "enrol":
        status_code = headless.enrol(paths, policy, "https://127.0.0.1:9", read)
    else:
        status_code = headless.sync(paths, policy, read)

    out, err = capsys.readouterr()
    assert (status_code, out) == (EXIT_FAILED, "")
    assert "hub_pinned_ca" in err


@pytest.mark.parametrize(
    ("status", "headers", "problem"),
    [
        (308, {"Location": "https://hub.example.org/v1/summaries"}, "address"),
        (404, {"Content-Type": "text/html"}, "address"),
        (429, {"Retry-After": "\u00b2"}, "busy"),
        (503, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}, "hub_error"),
    ],
    ids=["redirect", "not-the-hubs-404", "retry-after-superscript", "date-minus-zero"],
)
def test_outreach_sync_says_what_answered_instead_of_the_hub(
    sync_hub: HubProcess, data_folder: Path, status: int, headers: dict[str, str], problem: str
) -> None:
    enrolled(sync_hub, data_folder)
    count = approve_all(data_folder)
    date = "Wed, 21 Oct 2099 07:27:00 -0000" if status == 503 else None
    with Front(status, headers, date=date) as front:
        point_at(data_folder, front.url)
        status_code, out, err = outreach(data_folder, "sync")

    assert status_code == EXIT_FAILED
    assert no_traceback(err), err
    report = json.loads(out)
    assert (report["problem"], report["failed"], report["held"]) == (problem, count, 0)
    if problem == "address":
        assert "address" in err  # in words: what answered is not the hub


@pytest.mark.parametrize("command", ["enrol", "sync"])
def test_outreach_says_a_busy_vault_in_words(
    sync_hub: HubProcess, data_folder: Path, command: str
) -> None:
    if command == "sync":
        enrolled(sync_hub, data_folder)
        approve_all(data_folder)
        answer = Front(503, {"Retry-After": "1"})
    else:
        body = {"device_id": "d" * 32, "credential": "c" * 43, "hub_key": "k" * 44,
                "user": "ana", "role": "worker", "team": "north"}  # fmt: skip
        answer = Front(201, {"Content-Type": "application/json"}, json.dumps(body).encode())
    vault = Vault(AppPaths.in_folder(data_folder), Policy(), DeviceSecretStore(None))
    other = vault.unlock(PASSPHRASE)  # as the app would, open in a window alongside
    locked, once = threading.Event(), threading.Lock()

    def take_the_write_lock() -> None:
        # Once the command is talking to the hub, so it finds the vault busy when it
        # records the hub's answer.
        with once:
            if not locked.is_set():
                other.db.execute("BEGIN IMMEDIATE")
                locked.set()

    answer.before_answer = take_the_write_lock
    try:
        with answer:
            if command == "sync":
                point_at(data_folder, answer.url)
                status_code, out, err = outreach(data_folder, "sync")
            else:
                status_code, out, err = outreach(
                    data_folder, "enrol", "--hub", answer.url, stdin="ABCD-EFGH\n"
                )
    finally:
        if locked.is_set():
            other.db.execute("ROLLBACK")
        other.close()
    assert locked.is_set(), "the command reached the hub before the vault was busy"
    assert (status_code, out) == (EXIT_FAILED, "")
    assert str(vault.paths.vault_file) in err
    assert no_traceback(err), err


@pytest.mark.parametrize("command", ["enrol", "sync"])
def test_outreach_says_a_damaged_vault_opened_read_only_in_words(
    sync_hub: HubProcess, tmp_path: Path, command: str
) -> None:
    data = tmp_path / "damaged"
    vault = Vault(AppPaths.in_folder(data), Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF)
    opened = vault.create(PASSPHRASE)
    load = caseload.generate(people=3, contacts=30, seed=9)
    RecordStore(opened.db).import_records(load.people, load.contacts)
    opened.db.checkpoint()
    opened.close()
    damaged = bytearray(vault.paths.vault_file.read_bytes())
    damaged[-100] ^= 0xFF  # the last page fails its check; the vault still opens, read-only
    vault.paths.vault_file.write_bytes(bytes(damaged))
    before = vault.paths.vault_file.read_bytes()

    args = ["enrol", "--hub", sync_hub.url] if command == "enrol" else ["sync"]
    status_code, out, err = outreach(data, *args, stdin="ABCD-EFGH\n")

    assert (status_code, out) == (EXIT_FAILED, "")
    assert "integrity check" in err
    assert str(vault.paths.vault_file) in err
    assert no_traceback(err), err
    assert vault.paths.vault_file.read_bytes() == before
