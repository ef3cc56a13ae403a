"""``depvault tls self-signed``: a certificate and key for trying HTTPS."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from depvault.cli.common import print_json

app = typer.Typer(help="TLS certificates.", no_args_is_help=True)


def _alt_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def make_self_signed(hosts: list[str], days: int) -> tuple[bytes, bytes]:
    """A self-signed P-256 certificate for ``hosts`` and its private key, as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([_alt_name(h) for h in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@app.command("self-signed")
def self_signed(
    out_dir: Path = typer.Option(Path("depvault-data/tls"), help="Folder for cert.pem/key.pem."),
    host: list[str] = typer.Option(["localhost", "127.0.0.1"], help="Names the cert covers."),
    days: int = typer.Option(365, help="Validity in days."),
) -> None:
    """Write cert.pem and key.pem, and print the settings that use them."""
    cert_pem, key_pem = make_self_signed(host, days)
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = out_dir / "cert.pem", out_dir / "key.pem"
    cert_file.write_bytes(cert_pem)
    key_file.touch(mode=0o600)
    key_file.write_bytes(key_pem)
    print_json(
        {
            "DEPVAULT_TLS_CERT_FILE": str(cert_file.resolve()),
            "DEPVAULT_TLS_KEY_FILE": str(key_file.resolve()),
        }
    )
