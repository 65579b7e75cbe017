"""Throwaway X.509 material for the mTLS tests, generated in-process with ``cryptography``.

``cryptography`` is a test-only dependency here; importing this module fails when it is missing, so the
cryptography is a test dependency (pyproject test extra).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH
SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH

_NOW = datetime.datetime.now(datetime.UTC)
_NOT_BEFORE = _NOW - datetime.timedelta(days=1)
_NOT_AFTER = _NOW + datetime.timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def write(self, directory: Path, stem: str, *, chain: tuple[Issued, ...] = ()) -> tuple[Path, Path]:
        """Write ``<stem>.crt`` (leaf first, then ``chain``) and ``<stem>.key``; return both paths."""
        cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
        cert_path.write_bytes(self.cert_pem + b"".join(c.cert_pem for c in chain))
        key_path.write_bytes(self.key_pem)
        return cert_path, key_path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _builder(subject: str, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_AFTER)
    )


def make_ca(cn: str) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(cn, _name(cn), key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
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
    return Issued(cert, key)


def make_intermediate(issuer: Issued, cn: str, *, eku: tuple[x509.ObjectIdentifier, ...] | None = None) -> Issued:
    """An intermediate CA signed by ``issuer``; by default without an ExtendedKeyUsage extension."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        _builder(cn, issuer.cert.subject, key.public_key())
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
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)


def make_leaf(
    issuer: Issued,
    cn: str,
    *,
    eku: tuple[x509.ObjectIdentifier, ...] | None,
    sans: tuple[str, ...] = (),
) -> Issued:
    """A leaf signed by ``issuer``; ``eku=None`` omits the ExtendedKeyUsage extension entirely."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        _builder(cn, issuer.cert.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if sans:
        names: list[x509.GeneralName] = []
        for san in sans:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(san)))
            except ValueError:
                names.append(x509.DNSName(san))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)


def make_server(issuer: Issued, cn: str = "target-allocator") -> Issued:
    return make_leaf(issuer, cn, eku=(SERVER_AUTH,), sans=("127.0.0.1", "localhost"))


def make_client(
    issuer: Issued, cn: str = "collector", *, eku: tuple[x509.ObjectIdentifier, ...] | None = (CLIENT_AUTH,)
) -> Issued:
    """A client leaf; by default with the clientAuth EKU, ``eku=None`` for no EKU extension at all."""
    return make_leaf(issuer, cn, eku=eku)
