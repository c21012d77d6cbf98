"""A made-up certificate authority and a server certificate for 127.0.0.1, and a hub that
serves HTTPS with them. Everything is generated per test session: no key leaves tmp."""

from __future__ import annotations

import ipaddress
import os
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.hubproc import HubProcess


@dataclass(frozen=True)
class Authority:
    """A CA: its certificate as PEM text and in a file, and its key (to issue with)."""

    name: str
    pem: str
    path: Path
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


@dataclass(frozen=True)
class ServerFiles:
    certfile: Path
    keyfile: Path


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Outreach tests (not a real CA)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make_authority(folder: Path, name: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    subject = _name(name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.pem"
    path.write_text(pem, encoding="ascii")
    return Authority(name, pem, path, key, cert)


def issue_server(authority: Authority, folder: Path, name: str = "hub") -> ServerFiles:
    """A certificate for 127.0.0.1 and localhost, signed by ``authority``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(authority.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
        .sign(authority.key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    certfile, keyfile = folder / f"{name}.crt", folder / f"{name}.key"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    keyfile.chmod(0o600)
    return ServerFiles(certfile, keyfile)


class TlsHubProcess(HubProcess):
    """``outreach-hub serve --certfile --keyfile``: the same hub, over HTTPS on loopback."""

    def __init__(self, database_url: str, authority: Authority, server: ServerFiles) -> None:
        super().__init__(
            database_url,
            "--certfile",
            str(server.certfile),
            "--keyfile",
            str(server.keyfile),
        )
        self.authority = authority
        self.url = f"https://127.0.0.1:{self.port}"

    def start(self) -> None:
        # As HubProcess.start, but the readiness probe trusts the test CA.
        command = [sys.executable, "-m", "outreach.hub", "--database-url", self.database_url]
        command += ["serve", "--host", "127.0.0.1", "--port", str(self.port), *self.extra]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        trust = ssl.create_default_context(cadata=self.authority.pem)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
            try:
                if httpx.get(self.url + "/health", timeout=1, verify=trust).status_code == 200:
                    return
            except httpx.TransportError:
                # The port is not open yet; poll again (the process is starting).
                time.sleep(0.05)
        raise RuntimeError("the hub did not answer /health over TLS within 30 s")
