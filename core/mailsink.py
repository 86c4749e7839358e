"""A local SMTP server for `onboard dev`: every nudge lands as a .eml file you can open."""

from __future__ import annotations

import email
import email.policy
import logging
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

log = logging.getLogger("onboard.mail")


class MailFolder:
    """aiosmtpd handler that writes each message to a file and logs who got what."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = count(1)
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{next(self._numbers):04d}.eml"
        path.write_bytes(envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        log.info("mail to %s: %s (%s)", message["To"], message["Subject"], path.name)
        return "250 Message accepted for delivery"


def start_mail_sink(host: str, port: int, folder: Path) -> Controller:
    controller = Controller(MailFolder(folder), hostname=host, port=port)
    controller.start()
    return controller
