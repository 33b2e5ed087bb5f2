"""The Docker image, built and run where a Docker daemon is available (CI machines that have
one); elsewhere tests/test_deployment.py checks the Dockerfile and compose without a daemon."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.process


def _docker_daemon() -> bool:
    import shutil
    import subprocess

    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0


def test_the_image_builds_and_checks_its_knowledge_when_docker_is_here(tmp_path: Path) -> None:
    """Where a Docker daemon runs (not on every machine: then the checks above stand in), the
    image is built, and runs `python -m bot check` as nobody with a fresh state volume."""
    import subprocess

    if not _docker_daemon():
        pytest.skip("no Docker daemon on this machine: the Dockerfile and compose checks stand in")
    tag = "cicr-bot-test:ci"
    built = subprocess.run(["docker", "build", "-t", tag, str(ROOT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    ran = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "-v",
            f"{tmp_path}:/opt/cicr-bot/.state",
            tag,
            "python",
            "-m",
            "bot",
            "check",
        ],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0 and "OK:" in ran.stdout, ran.stderr[-2000:]
