"""The container image and the deployment manifests agree with what cco serves.

No container runtime here: the Dockerfile, compose.yaml and deploy/kubernetes/ are parsed and checked against
the real app (its probe paths answered over HTTP, its port, its settings parser), and the image's start
command is run as an unprivileged user from a fresh virtualenv holding the wheel built from this checkout.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from cco_tui.config.settings import parse_settings
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.process import wait_healthy
from tests.fakes.serve import ThreadedServer
from tests.servers import free_port

REPO = Path(__file__).resolve().parent.parent
KUBE = REPO / "deploy" / "kubernetes"
PENDING_SETTINGS: tuple[str, ...] = ()  # settings in the manifests that cco does not parse yet (none since governance)


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, args in dockerfile():
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(args))
    return env


def start_command() -> list[str]:
    entry = {
        instruction: json.loads(args) for instruction, args in dockerfile() if instruction in ("ENTRYPOINT", "CMD")
    }
    return [*entry["ENTRYPOINT"], *entry["CMD"]]


def kube(kind: str) -> dict[str, Any]:
    for path in sorted(KUBE.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document.get("kind") == kind:
                return dict(document)
    raise AssertionError(f"no {kind} in {KUBE}")


def container() -> dict[str, Any]:
    return dict(kube("Deployment")["spec"]["template"]["spec"]["containers"][0])


def deploy_settings() -> dict[str, Any]:
    return dict(json.loads((REPO / "deploy" / "config" / "settings.json").read_text()))


def test_dockerfile_is_multi_stage_non_root_with_a_health_check() -> None:
    instructions = dockerfile()
    assert sum(1 for name, _ in instructions if name == "FROM") >= 2
    user = next(args for name, args in reversed(instructions) if name == "USER")
    assert user.split(":")[0] not in ("0", "root")
    healthcheck = next(args for name, args in instructions if name == "HEALTHCHECK")
    assert "/health'" in healthcheck and "CCO_PORT" in healthcheck
    assert start_command() == ["cco", "--headless", "--host", "0.0.0.0", "--allow-remote"]
    env = docker_env()
    assert next(args for name, args in instructions if name == "EXPOSE") == env["CCO_PORT"] == "8000"
    volume = json.loads(next(args for name, args in instructions if name == "VOLUME"))
    assert env["XDG_DATA_HOME"] in volume and env["CCO_CONFIG_DIR"] == "/config"


def test_deployment_probes_ports_and_security() -> None:
    deployment, c = kube("Deployment"), container()
    assert deployment["spec"]["replicas"] == 3
    port = c["ports"][0]
    assert (port["name"], str(port["containerPort"])) == ("http", docker_env()["CCO_PORT"])
    env = {item["name"]: item for item in c["env"]}
    assert env["CCO_PORT"]["value"] == str(port["containerPort"])
    assert c["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert c["readinessProbe"]["timeoutSeconds"] > 3  # /health/ready gives up on a dependency after 3 s
    assert c["args"] == start_command()[1:]
    pod_security, security = deployment["spec"]["template"]["spec"]["securityContext"], c["securityContext"]
    assert pod_security["runAsNonRoot"] is True and pod_security["runAsUser"] != 0
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert {"cpu", "memory"} <= set(c["resources"]["requests"]) and "memory" in c["resources"]["limits"]
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "CCO_DB"):
        assert "secretKeyRef" in env[key]["valueFrom"], key  # keys and credentials only from Secrets


def test_deployment_mounts_config_data_and_tmp_where_the_image_expects_them() -> None:
    c, pod = container(), kube("Deployment")["spec"]["template"]["spec"]
    mounts = {mount["name"]: mount["mountPath"] for mount in c["volumeMounts"]}
    env = {item["name"]: item.get("value") for item in c["env"]}
    assert mounts["config"] == env["CCO_CONFIG_DIR"] == docker_env()["CCO_CONFIG_DIR"]
    assert mounts["data"] == docker_env()["XDG_DATA_HOME"]  # writable under readOnlyRootFilesystem
    assert mounts["tmp"] == "/tmp"
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["config"]["configMap"]["name"] == kube("ConfigMap")["metadata"]["name"]


def test_service_targets_the_container_port() -> None:
    service, deployment = kube("Service"), kube("Deployment")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == container()["ports"][0]["name"]


def test_configmap_settings_match_deploy_config_and_parse() -> None:
    settings = json.loads(kube("ConfigMap")["data"]["settings.json"])
    assert settings == deploy_settings()
    assert settings["auth"] == "tokens"
    parse_settings({k: v for k, v in settings.items() if k not in PENDING_SETTINGS}, "configmap settings.json")


def test_compose_runs_two_replicas_on_shared_postgres_and_redis() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    replicas = [name for name, service in services.items() if service.get("image") == "cco:latest"]
    assert len(replicas) == 2
    for name in replicas:
        service = services[name]
        assert service["environment"]["CCO_DB"].startswith("postgresql://")
        assert service["environment"]["CCO_REDIS_URL"].startswith("redis://")
        assert set(service["depends_on"]) == {"postgres", "redis"}
        assert "./deploy/config:/config:ro" in service["volumes"]
        assert all(port.endswith(":" + docker_env()["CCO_PORT"]) for port in service["ports"])
    assert {"postgres", "redis"} <= set(services)


def test_probe_paths_are_answered_by_cco(cco: ThreadedServer) -> None:
    c = container()
    for probe in ("livenessProbe", "readinessProbe"):
        response = httpx.get(cco.url + c[probe]["httpGet"]["path"], timeout=10)
        assert response.status_code == 200, (probe, response.text)
    assert httpx.get(cco.url + "/health/ready", timeout=10).json()["checks"] == {"store": {"ok": True}}


@pytest.fixture
def fresh_venv() -> Iterator[Path]:
    """A new virtualenv with cco installed from a wheel of this checkout; its dependencies are the test
    environment's (a .pth line), so nothing but cco itself is installed."""
    workdir = Path(tempfile.mkdtemp(prefix="cco-image-"))
    workdir.chmod(0o755)  # readable by the unprivileged user below
    try:
        build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(workdir / "dist"), str(REPO)]
        subprocess.run(build, check=True, capture_output=True, timeout=300)
        venv = workdir / "venv"
        subprocess.run([_interpreter(), "-m", "venv", str(venv)], check=True, timeout=120)
        (next(venv.glob("lib/python*/site-packages")) / "deps.pth").write_text(_site_packages() + "\n")
        wheel = str(next((workdir / "dist").glob("cco_tui-*.whl")))
        install = [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index", wheel]
        subprocess.run(install, check=True, capture_output=True, timeout=300)
        yield venv
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _interpreter() -> str:
    """This Python, or as root the system's of the same version: the unprivileged user must be able to run it
    (a root-owned pyenv under /root is not), and the dependencies' compiled modules must fit it."""
    if os.geteuid() != 0:
        return sys.executable
    system = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/local/bin:/usr/bin")
    if system is None:
        pytest.skip(f"as root, no system python{sys.version_info.major}.{sys.version_info.minor} for user nobody")
    return system


def _site_packages() -> str:
    import peewee

    return str(Path(peewee.__file__).parent)


def test_image_start_command_runs_as_a_non_root_user_from_a_fresh_virtualenv(
    fresh_venv: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]
) -> None:
    root = fresh_venv.parent
    data, config = root / "data", write_config(root / "config", fake_upstream[1].url)
    settings = {k: v for k, v in deploy_settings().items() if k not in PENDING_SETTINGS}
    (config / "settings.json").write_text(json.dumps(settings))
    data.mkdir()
    port = free_port()
    env = {**docker_env(), "XDG_DATA_HOME": str(data), "XDG_CONFIG_HOME": str(data / ".config"),
           "XDG_STATE_HOME": str(data / ".state"), "HOME": str(data), "CCO_CONFIG_DIR": str(config),
           "CCO_PORT": str(port), "PATH": f"{fresh_venv / 'bin'}:/usr/bin:/bin"}  # fmt: skip
    command = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *start_command()]
    as_user: dict[str, Any] = {}
    if os.geteuid() == 0:  # drop to `nobody` in the child itself, so SIGTERM reaches cco as it would in a container
        shutil.chown(data, "nobody", "nogroup")
        as_user = {"user": "nobody", "group": "nogroup", "extra_groups": []}
    log = (root / "cco.log").open("wb")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, cwd=data, **as_user)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        assert httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=10).status_code == 200
        reply = httpx.post(
            f"http://127.0.0.1:{port}/v1/messages", headers={"x-api-key": "k"}, timeout=30,
            json={"model": "claude-x", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]},
        )  # fmt: skip
        assert reply.status_code == 401  # the image's settings say "auth": "tokens": a plain key is refused
        assert reply.json()["error"]["type"] == "authentication_error"
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(30)
        log.close()
    assert code == 0, (root / "cco.log").read_text()
    database = data / "cco" / "cco.db"
    assert database.exists() and (database.stat().st_uid != 0 or os.geteuid() != 0)
    site = subprocess.run(
        [str(fresh_venv / "bin" / "python"), "-c", "import cco_tui; print(cco_tui.__file__)"],
        capture_output=True, text=True, check=True, cwd=root,
    )  # fmt: skip
    assert site.stdout.startswith(str(fresh_venv))  # the wheel's cco, not this checkout's
