"""Issue 21's 1,100 idle connections against a server process with few file descriptors: it keeps
its log short and answers again once they are closed. A process of its own, for its own limit."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import ROOT, until_answered

pytestmark = pytest.mark.process

IDLE = 1100  # the count: more than systemd's default of 1,024 descriptors

SERVER = """
import asyncio, resource, sys
files = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (files, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
from bot.ops import logs
from bot.ops.health import Health
from bot.ops.http import HttpServer, Limits, routes
from bot.ops.metrics import Metrics

async def main() -> None:
    logs.configure("INFO")
    server = HttpServer("127.0.0.1", 0, routes(Health(), Metrics()), Limits(head_timeout=1.0))
    await server.start()
    print(server.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the test is done
    await server.stop()

asyncio.run(main())
"""


@contextlib.contextmanager
def server_process(files: int) -> Iterator[tuple[subprocess.Popen[str], int]]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(files)],
        cwd=ROOT,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        yield process, int(process.stdout.readline())
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


@pytest.fixture
def descriptors() -> Iterator[None]:
    """Enough descriptors in this process for the idle connections it opens."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = IDLE + 512
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"{IDLE} connections need {wanted} descriptors; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def open_idle(port: int) -> list[socket.socket]:
    """Up to IDLE connections that send nothing (those the system refuses or times out are not)."""
    loop = asyncio.get_running_loop()

    async def one() -> socket.socket | None:
        sock = socket.socket()
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", port)), 5)
        except (OSError, TimeoutError):
            sock.close()
            return None
        return sock

    return [sock for sock in await asyncio.gather(*(one() for _ in range(IDLE))) if sock is not None]


async def livez_answers(port: int) -> int:
    """/livez's status, asked again until it answers 200 (a bound, not a timing: 60 s)."""
    status = 0
    async with httpx.AsyncClient(timeout=5) as client:

        async def answered() -> bool:
            nonlocal status
            with contextlib.suppress(httpx.TransportError):
                status = (await client.get(f"http://127.0.0.1:{port}/livez")).status_code
            return status == 200

        await until_answered(answered, 60)
    return status


@pytest.mark.usefixtures("descriptors")
@pytest.mark.parametrize(
    "files",
    [
        1024,  # systemd's default: the cap on connections and the backlog keep it from running out
        256,  # fewer than the cap: accept() fails (EMFILE), and asyncio logs it on every retry
    ],
)
async def test_idle_connections_neither_flood_the_log_nor_keep_the_server_down(files: int) -> None:
    with server_process(files) as (process, port):
        idle = await open_idle(port)
        try:
            assert len(idle) > 512
            # The server closes them (past the head deadline, or at once past its cap) while this
            # side still holds them open; then it answers.
            assert await livez_answers(port) == 200
        finally:
            for sock in idle:
                sock.close()
        _, log = process.communicate(timeout=30)  # its stdin closed: it stops
    assert process.returncode == 0
    assert len(log) < 5000, log[:5000]  # the flood was 97-211 MB
    if files == 1024:
        assert "Too many open files" not in log and "Traceback" not in log
    else:
        # Once whole, then counted: the count is written when the process ends. (A stop within a
        # second of a failed accept adds one more traceback: asyncio's pending retries fail once
        # the socket is closed, and those are counted too.)
        accepts = [line for line in log.splitlines() if "socket.accept() out of system resource" in line]
        assert len(accepts) == 2 and accepts[1].endswith(" s]") and "[repeated " in accepts[1]
        assert 1 <= log.count("Traceback") <= 2
