"""HTTPS to the hub: the OS trust store, or only a pinned CA; plain HTTP to loopback alone."""

from __future__ import annotations

import inspect
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.config.hub import BadAddress, check_address
from outreach.config.paths import AppPaths
from outreach.config.policy import Policy, PolicyError, parse_policy
from outreach.records import caseload
from outreach.records.store import RecordStore
from outreach.sync import enrolment
from outreach.sync.approval import Approvals
from outreach.sync.client import HubClient, Unreachable, tls_context
from outreach.sync.engine import Backoff, Stop, SyncEngine
from outreach.sync.outbox import ItemState, Outbox
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import OpenVault, Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.support.tls import Authority, TlsHubProcess, issue_server, make_authority

CAs = tuple[Authority, Authority]


@pytest.fixture(scope="module")
def authorities(tmp_path_factory: pytest.TempPathFactory) -> tuple[Authority, Authority]:
    folder = tmp_path_factory.mktemp("ca")
    return make_authority(folder, "agency-ca"), make_authority(folder, "other-ca")


@pytest.fixture(scope="module")
def tls_hub(
    tmp_path_factory: pytest.TempPathFactory, authorities: tuple[Authority, Authority]
) -> Iterator[TlsHubProcess]:
    agency, _other = authorities
    folder = tmp_path_factory.mktemp("tlshub")
    hub = TlsHubProcess(f"sqlite:///{folder / 'hub.sqlite3'}", agency, issue_server(agency, folder))
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture
def no_os_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own trust store, whatever the environment running the tests says."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


_users = iter(range(1, 10_000))


def enrolment_code(hub: TlsHubProcess) -> str:
    n = next(_users)
    team = f"tls-team-{n}"
    hub.admin.add_team(team)
    hub.admin.add_user(f"{team}-w", team, "worker")
    code, _ = hub.admin.enrolment_code(f"{team}-w")
    return code


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[OpenVault]:
    vault = Vault(AppPaths.in_folder(tmp_path / "laptop"), Policy(), DeviceSecretStore(None),
                  kdf=CHEAP_KDF)  # fmt: skip
    opened = vault.create(PASSPHRASE)
    load = caseload.generate(people=3, contacts=4, seed=3)
    RecordStore(opened.db).import_records(load.people, load.contacts)
    yield opened
    opened.close()


def reason(address: str, pinned: str | None) -> str:
    with HubClient(address, pinned_ca=pinned, timeout=5) as client:
        try:
            client.health()
        except Unreachable as exc:
            return exc.reason
    return "ok"


# --- whom the app trusts ----------------------------------------------------------------


@pytest.mark.usefixtures("no_os_override")
def test_the_os_trust_store_refuses_a_hub_signed_by_a_private_ca(
    tls_hub: TlsHubProcess, laptop: OpenVault
) -> None:
    assert reason(tls_hub.url, None) == "tls"
    code = enrolment_code(tls_hub)
    with pytest.raises(Unreachable) as refused:
        enrolment.enrol(laptop.db, tls_hub.url, code)
    assert refused.value.reason == "tls"
    assert enrolment.current(laptop.db) is None


def test_without_a_pin_the_os_trust_store_is_what_decides(
    tls_hub: TlsHubProcess,
    authorities: tuple[Authority, Authority],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """OpenSSL's own way of pointing at another store (SSL_CERT_FILE): with the agency's
    CA in it, the same unpinned client goes through; so the client reads the OS store."""
    agency, _other = authorities
    monkeypatch.setenv("SSL_CERT_FILE", str(agency.path))
    assert reason(tls_hub.url, None) == "ok"


@pytest.mark.usefixtures("no_os_override")
@pytest.mark.parametrize("form", ["pem", "path"])
def test_with_the_agency_ca_pinned_enrolment_and_sync_go_through(
    tls_hub: TlsHubProcess, authorities: tuple[Authority, Authority], laptop: OpenVault, form: str
) -> None:
    agency, _other = authorities
    pin = agency.pem if form == "pem" else str(agency.path)
    found = enrolment.enrol(laptop.db, tls_hub.url, enrolment_code(tls_hub), pinned_ca=pin)
    assert found.address == tls_hub.url
    assert found.role == "worker"
    store = RecordStore(laptop.db)
    approvals = Approvals(store)
    uids = [u for (u,) in laptop.db.query("SELECT uid FROM contacts ORDER BY uid")]
    for uid in uids:
        approvals.approve(approvals.preview(uid))
    with HubClient(found.address, credential=found.credential, pinned_ca=pin) as client:
        report = SyncEngine(laptop.db, client, backoff=Backoff(base=0.01, cap=0.05)).run()
    assert (report.stop, report.acknowledged) == (Stop.NONE, len(uids))
    states = {i.state for i in Outbox(laptop.db).items(list(ItemState))}
    assert states == {ItemState.ACKNOWLEDGED}


@pytest.mark.usefixtures("no_os_override")
def test_a_different_pinned_ca_refuses(
    tls_hub: TlsHubProcess, authorities: tuple[Authority, Authority], laptop: OpenVault
) -> None:
    _agency, other = authorities
    assert reason(tls_hub.url, other.pem) == "tls"
    assert reason(tls_hub.url, str(other.path)) == "tls"
    with pytest.raises(Unreachable) as refused:
        enrolment.enrol(laptop.db, tls_hub.url, enrolment_code(tls_hub), pinned_ca=other.pem)
    assert refused.value.reason == "tls"
    assert enrolment.current(laptop.db) is None


def test_a_pin_is_the_only_trust_not_one_more(
    tls_hub: TlsHubProcess,
    authorities: tuple[Authority, Authority],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even when the OS store trusts the hub's CA, a pin to another CA refuses it."""
    agency, other = authorities
    monkeypatch.setenv("SSL_CERT_FILE", str(agency.path))
    assert reason(tls_hub.url, other.pem) == "tls"
    assert len(tls_context(other.pem).get_ca_certs()) == 1


def test_a_sync_against_an_untrusted_hub_stops_on_tls_and_keeps_everything(
    tls_hub: TlsHubProcess, authorities: tuple[Authority, Authority], laptop: OpenVault
) -> None:
    agency, other = authorities
    found = enrolment.enrol(laptop.db, tls_hub.url, enrolment_code(tls_hub), pinned_ca=agency.pem)
    approvals = Approvals(RecordStore(laptop.db))
    uid = laptop.db.scalar("SELECT uid FROM contacts LIMIT 1")
    item = approvals.approve(approvals.preview(uid))
    with HubClient(found.address, credential=found.credential, pinned_ca=other.pem) as client:
        report = SyncEngine(laptop.db, client, backoff=Backoff(base=0.01, cap=0.05)).run()
    assert (report.stop, report.acknowledged, report.failed) == (Stop.TLS, 0, 1)
    kept = Outbox(laptop.db).item(item.id)
    assert (kept.state, kept.problem, kept.body) == (ItemState.FAILED, "tls", item.body)


# --- no way around it -------------------------------------------------------------------


def test_there_is_no_switch_to_turn_verification_off() -> None:
    for function in (HubClient.__init__, tls_context, enrolment.enrol):
        names = set(inspect.signature(function).parameters)
        assert not names & {"verify", "insecure", "verify_tls", "check_hostname", "ssl"}, names
    for context in (tls_context(None), tls_context(make_pem())):
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname is True


def make_pem() -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return make_authority(Path(folder), "throwaway").pem


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("http://192.168.1.20:8000", "plain_http"),
        ("http://hub.agency.example", "plain_http"),
        ("http://10.0.0.1", "plain_http"),
        ("http://[2001:db8::1]:80", "plain_http"),
        ("ftp://hub.agency.example", "scheme"),
        ("file:///etc/hosts", "scheme"),
        ("ws://127.0.0.1:8000", "scheme"),
        ("hub.agency.example", "scheme"),
        ("https://worker:secret@hub.agency.example", "form"),
        ("https://token@hub.agency.example", "form"),
        ("http://user:pw@127.0.0.1:8000", "form"),
        ("https://hub.agency.example/?next=1", "form"),
        ("https://hub.agency.example/#top", "form"),
        ("https://", "form"),
        ("https://hub.agency.example:99999", "form"),
        ("", "scheme"),
    ],
)
def test_addresses_that_are_refused(address: str, why: str) -> None:
    with pytest.raises(BadAddress) as refused:
        check_address(address)
    assert refused.value.reason == why
    with pytest.raises(BadAddress):
        HubClient(address)
    with pytest.raises(PolicyError) as policy:
        parse_policy(Path("policy.toml"), f'hub_address = "{address}"\n')
    assert policy.value.key == "hub_address"


@pytest.mark.parametrize(
    ("address", "base"),
    [
        ("https://hub.agency.example/", "https://hub.agency.example"),
        (
            "  https://hub.agency.example:8443/outreach  ",
            "https://hub.agency.example:8443/outreach",
        ),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://127.9.9.9", "http://127.9.9.9"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_addresses_that_are_accepted(address: str, base: str) -> None:
    assert check_address(address) == base


@pytest.mark.parametrize(
    ("pin", "error"),
    [
        ("missing.pem", FileNotFoundError),
        (".", IsADirectoryError),
        ("accents.pem", ssl.SSLError),  # not ASCII: was a UnicodeDecodeError
        ("empty.pem", ssl.SSLError),
        ("-----BEGIN CERTIFICATE-----\ncafé\n-----END CERTIFICATE-----\n", ssl.SSLError),
    ],
    ids=["missing", "a-folder", "not-ascii-file", "no-certificate", "not-ascii-text"],
)
def test_a_pinned_ca_that_cannot_be_used_raises_an_oserror(
    tmp_path: Path, pin: str, error: type[OSError]
) -> None:
    """Each way a pin can be unusable is an OSError (ssl.SSLError is one), so the app and
    ``outreach enrol`` / ``outreach sync`` say so in words instead of crashing."""
    (tmp_path / "accents.pem").write_bytes("-----BEGIN CERTIFICATE-----\ncafé\n".encode())
    (tmp_path / "empty.pem").write_text("nothing here\n")
    where = pin if pin.startswith("-----") else str(tmp_path / pin)
    with pytest.raises(error):
        tls_context(where)
    with pytest.raises(error):
        HubClient("https://hub.example.org", pinned_ca=where)
