"""What TLS on cco's own port costs per request, in one run: the same requests to a plain-HTTP cco and to an
HTTPS cco (certificate made here with trustme; keep-alive connections, so the handshake is paid once).

Run: `.venv/bin/python -m bench.tls_overhead [--count N]`. Caching is off so every request goes upstream.
"""

from __future__ import annotations

import argparse
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import trustme

from bench.bodies import claude_code_body, small_body
from bench.harness import fake_upstream, run_sequential, write_config
from tests.fakes.process import headless_cco

CASES = [("small JSON", small_body()), ("75KB stream", claude_code_body(stream=True))]


@contextmanager
def https_files() -> Iterator[tuple[Path, Path, ssl.SSLContext]]:
    authority = trustme.CA()
    leaf = authority.issue_cert("127.0.0.1")
    directory = Path(tempfile.mkdtemp(prefix="cco-tls-"))
    cert, key = directory / "cert.pem", directory / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    trust = ssl.create_default_context()
    authority.configure_trust(trust)
    yield cert, key, trust


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    count = parser.parse_args().count
    settings = {"cache": {"enabled": False}}
    with fake_upstream() as upstream, https_files() as (cert, key, trust):
        plain_config, tls_config = write_config(upstream, settings), write_config(upstream, settings)
        tls_args = ("--tls-cert", str(cert), "--tls-key", str(key))
        with (
            headless_cco(plain_config, plain_config / "bench.db") as plain,
            headless_cco(tls_config, tls_config / "bench.db", *tls_args, scheme="https", verify=trust) as secure,
        ):
            for name, payload in CASES:
                body = orjson.dumps(payload)
                http = run_sequential(f"{name} via cco, HTTP", plain.url, body, count)
                https = run_sequential(f"{name} via cco, HTTPS", secure.url, body, count, verify=trust)
                print(http.row())
                print(https.row())
                print(f"{'':<10}TLS adds p50 {https.p50 - http.p50:+6.3f} ms   p99 {https.p99 - http.p99:+6.3f} ms")


if __name__ == "__main__":
    main()
