"""Child processes that cannot outlive `onboard dev`, and their orderly shutdown."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
STOP_GRACE_SECONDS = 10.0
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded before any fork: the child only calls into it


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it if `onboard dev` itself is killed."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None


def spawn(
    name: str, argv: Sequence[str], env: dict[str, str], log_file: Path | None = None
) -> Child:
    output: IO[bytes] | None = log_file.open("ab") if log_file else None
    process = subprocess.Popen(
        list(argv),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
        start_new_session=True,  # its own process group: Ctrl-C reaches only `onboard dev`
        preexec_fn=_die_with_parent,
    )
    if output:
        output.close()
    return Child(name=name, process=process)


def stop(children: Sequence[Child], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM the whole process group of each child, wait, then SIGKILL what is left."""
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        remaining = max(0.0, deadline - time.monotonic())
        try:
            child.process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.process.wait()
        _signal_group(child, signal.SIGKILL)  # grandchildren the child left behind


def _signal_group(child: Child, signum: signal.Signals) -> None:
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        pass


def free_port() -> int:
    """A loopback port free right now (for local servers that cannot bind port 0 themselves)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
