"""Run the loopback deployment that model.yaml describes, on 127.0.0.1.

    python examples/loopback-deployment/serve.py [--fixed] [--seconds N]

It starts mosquitto twice (passwords and per-device ACLs; the same over TLS with a fresh test
CA), the device-owner API (flawed by default, its fixed twin with --fixed) and a TUF
repository, and writes ca.pem, root.json and fleetrisk-secrets.yaml into this folder. The
servers come from the test suite (tests/probes), so this needs the [test] extra and mosquitto.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))

from probes.api_app import make_api  # noqa: E402
from probes.deployment import secrets_data  # noqa: E402
from probes.pki import LoopbackCA  # noqa: E402
from probes.servers import mosquitto, static_http, uvicorn_app, write_mosquitto_config  # noqa: E402
from probes.tufrepo import TufRepo  # noqa: E402

PORTS = {"mqtt": 18830, "mqtts": 18883, "api": 18080, "tuf": 18081}


@dataclass(frozen=True)
class Deployment:
    directory: Path
    ports: dict[str, int]

    def rewrite(self, name: str) -> Path:
        """Copy model.yaml or scope.yaml into the directory with the ports in use."""
        text = (HERE / name).read_text(encoding="utf-8")
        for key, default in PORTS.items():
            text = text.replace(str(default), str(self.ports[key]))
        path = self.directory / name
        if path.resolve() != (HERE / name).resolve():
            path.write_text(text, encoding="utf-8")
        return path


@contextmanager
def running(directory: Path, ports: dict[str, int] = PORTS, *, fixed: bool = False) -> Iterator[Deployment]:
    directory.mkdir(parents=True, exist_ok=True)
    ca = LoopbackCA(directory)
    repo = TufRepo(directory / "repository")
    (directory / "root.json").write_bytes(repo.publish())
    api = f"http://127.0.0.1:{ports['api']}"
    secrets = secrets_data(api=api, ca_file=Path("ca.pem"), tuf_root=Path("root.json"))
    (directory / "fleetrisk-secrets.yaml").write_text(yaml.safe_dump(secrets, sort_keys=False), encoding="utf-8")
    with ExitStack() as stack:
        plain = write_mosquitto_config(directory / "mosquitto-acl", ports["mqtt"], "acl")
        stack.enter_context(mosquitto(plain, ports["mqtt"]))
        tls = write_mosquitto_config(directory / "mosquitto-tls", ports["mqtts"], "tls", cert=ca.server("broker"),
                                     ca_file=ca.ca_file)
        stack.enter_context(mosquitto(tls, ports["mqtts"]))
        stack.enter_context(uvicorn_app(make_api(fixed=fixed), ports["api"]))
        stack.enter_context(static_http(repo.directory, ports["tuf"]))
        yield Deployment(directory, ports)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixed", action="store_true", help="serve the API without its authorisation flaw")
    parser.add_argument("--seconds", type=float, default=3600, help="stop after this long (default 1 h)")
    args = parser.parse_args()
    with running(HERE, fixed=args.fixed):
        print(f"serving on 127.0.0.1 ports {sorted(PORTS.values())}; Ctrl-C to stop", flush=True)
        with suppress(KeyboardInterrupt):
            time.sleep(args.seconds)


if __name__ == "__main__":
    main()
