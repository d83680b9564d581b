"""A certificate authority for the tests: the Xero stand-in speaks https, as Xero does.

xconn never allows plain http for Xero (oauthlib refuses it, and the product sets no switch to
relax that), so the stand-in serves TLS with a server certificate for 127.0.0.1, ::1 and localhost
signed by a CA made here once per process. ``install()`` makes the stand-in use it by default and
points the clients at the CA: ``REQUESTS_CA_BUNDLE`` (requests) and ``SSL_CERT_FILE`` (urllib,
OpenSSL's default paths), so this process and every subprocess it starts trust it. The folder is
world-readable (the multi-user tests run xconn as other OS users); the keys are not.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TestCA:
    ca: Path  # the CA certificate clients trust
    cert: Path  # the stand-in's certificate chain
    key: Path  # the stand-in's private key


@functools.lru_cache(maxsize=1)
def files() -> TestCA:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = Path(tempfile.mkdtemp(prefix="xconn-testca-"))
    folder.chmod(0o755)
    now = dt.datetime.now(dt.timezone.utc)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("xconn test CA"))
        .issuer_name(name("xconn test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("xero stand-in"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    out = TestCA(folder / "ca.pem", folder / "standin.pem", folder / "standin.key")
    out.ca.write_bytes(ca.public_bytes(pem))
    out.cert.write_bytes(cert.public_bytes(pem) + ca.public_bytes(pem))
    out.key.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    out.ca.chmod(0o644)
    out.cert.chmod(0o644)
    out.key.chmod(0o600)
    import atexit
    import shutil

    atexit.register(shutil.rmtree, folder, True)
    return out


def spki_hash() -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of the stand-in's key: Chromium's
    --ignore-certificate-errors-spki-list trusts exactly that certificate and nothing else."""
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(files().cert.read_bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def install() -> TestCA:
    """The stand-in serves https by default from now on; this process and its children trust it."""
    from xero_standin import XeroStandIn

    made = files()
    XeroStandIn.default_tls = (str(made.cert), str(made.key))
    os.environ["REQUESTS_CA_BUNDLE"] = str(made.ca)
    os.environ["SSL_CERT_FILE"] = str(made.ca)
    return made
