"""TLS on cco's own port: which certificate and key, checked before serving, and how cco's own clients (the
dashboard, viewer mode, doctor) trust an HTTPS cco.

Flags beat environment variables, which beat `tls` in settings.json. Files are checked at start (readable, and the
key matches the certificate) so a mistake is one line naming the file, not a handshake failure later.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cco_tui.config.errors import ConfigError


@dataclass(frozen=True, slots=True)
class TlsFiles:
    cert: Path
    key: Path
    source: str  # where they were named: "command line", "environment" or the settings file's name


def choose_tls(
    flags: tuple[str | None, str | None], settings: tuple[str | None, str | None], settings_file: str
) -> TlsFiles | None:
    """Both files from the first place that names either, or None (plain HTTP)."""
    environment = (os.environ.get("CCO_TLS_CERT") or None, os.environ.get("CCO_TLS_KEY") or None)
    for (cert, key), source, names in (
        (flags, "command line", ("--tls-cert", "--tls-key")),
        (environment, "environment", ("CCO_TLS_CERT", "CCO_TLS_KEY")),
        (settings, settings_file, ("tls.cert", "tls.key")),
    ):
        if cert or key:
            if not (cert and key):
                missing = names[1] if cert else names[0]
                raise ConfigError(source, missing, f"TLS needs both {names[0]} and {names[1]}")
            return TlsFiles(Path(cert).expanduser(), Path(key).expanduser(), source)
    return None


def check_tls_files(files: TlsFiles) -> None:
    """Readable, a PEM certificate, and a key that belongs to it: else a ConfigError naming the file."""
    for path in (files.cert, files.key):
        try:
            path.read_bytes()
        except OSError as error:
            raise ConfigError(files.source, str(path), f"cannot read it: {error.strerror or error}") from None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(str(files.cert), str(files.key))
    except ssl.SSLError as error:
        reason = error.reason or str(error)
        if "KEY_VALUES_MISMATCH" in reason.upper():
            raise ConfigError(files.source, str(files.key), "this key does not match the certificate") from None
        raise ConfigError(files.source, str(files.cert), f"not a usable certificate and key: {reason}") from None


def client_trust(ca_file: Path | None, own: TlsFiles | None) -> ssl.SSLContext | bool:
    """What cco's own HTTP clients verify an HTTPS cco against: the system's roots (or SSL_CERT_FILE), plus a
    private CA given with --ca, plus cco's own certificate when this process serves it (a self-signed one)."""
    if ca_file is None and own is None:
        return True
    context = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or None)
    for extra in (ca_file, own.cert if own is not None else None):
        if extra is not None:
            try:
                context.load_verify_locations(cafile=str(extra))
            except (OSError, ssl.SSLError):
                if extra == ca_file:
                    raise ConfigError("command line", "--ca", f"cannot read a CA certificate from {extra}") from None
    return context
