"""TLS material, the bearer token and the kubeconfig of a server.

A self-signed CA signs the serving certificate (SANs: the bind address, 127.0.0.1 and
localhost); the kubeconfig trusts that CA, so kubectl verifies the server normally. With a
data directory the CA, certificate and token are kept there and reused after a restart, so a
kubeconfig written earlier stays valid.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import secrets
import ssl

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["Credentials", "write_kubeconfig", "write_private"]


def write_private(path: str, data: bytes) -> None:
    """Write a file readable by its owner only (mode 0600), replacing it atomically."""
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _generate(hosts: list[str]) -> tuple[bytes, bytes, bytes]:
    """(CA cert PEM, server cert PEM, server key PEM)."""
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    later = now + datetime.timedelta(days=3650)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("tekpy-ca")).issuer_name(_name("tekpy-ca"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(later)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [x509.DNSName("localhost")]
    for h in dict.fromkeys(["127.0.0.1", *hosts]):
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    cert = (x509.CertificateBuilder().subject_name(_name("tekpy-apiserver"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(later)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return ca.public_bytes(pem), cert.public_bytes(pem), _pem_key(key)


class Credentials:
    """CA bundle, serving certificate and token, stored under ``directory``."""

    def __init__(self, directory: str, host: str, tls: bool) -> None:
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.ca_file = os.path.join(directory, "ca.crt")
        self.cert_file = os.path.join(directory, "apiserver.crt")
        self.key_file = os.path.join(directory, "apiserver.key")
        token_file = os.path.join(directory, "token")
        if os.path.exists(token_file):
            with open(token_file) as f:
                self.token = f.read().strip()
        else:
            self.token = secrets.token_urlsafe(32)
            write_private(token_file, self.token.encode())
        self.tls = tls
        if tls and not all(os.path.exists(p) for p in (self.ca_file, self.cert_file,
                                                      self.key_file)):
            ca, cert, key = _generate([host])
            write_private(self.ca_file, ca)
            write_private(self.cert_file, cert)
            write_private(self.key_file, key)

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx


def write_kubeconfig(path: str, url: str, token: str, ca_file: str | None) -> None:
    """A kubeconfig (mode 0600) with the server, the CA it trusts and the token."""
    cluster: dict[str, object] = {"server": url}
    if ca_file:
        with open(ca_file, "rb") as f:
            cluster["certificate-authority-data"] = base64.b64encode(f.read()).decode()
    config = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "tekpy", "cluster": cluster}],
        "users": [{"name": "tekpy", "user": {"token": token}}],
        "contexts": [{"name": "tekpy", "context": {"cluster": "tekpy", "user": "tekpy",
                                                   "namespace": "default"}}],
        "current-context": "tekpy",
        "preferences": {},
    }
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    write_private(path, yaml.safe_dump(config, sort_keys=False).encode())
