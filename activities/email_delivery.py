"""Sending one email over SMTP, and telling permanent failures (5xx) from transient ones."""

from __future__ import annotations

import hashlib
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from temporalio.exceptions import ApplicationError


@dataclass(frozen=True)
class OutgoingEmail:
    sender: str
    recipient: str
    subject: str
    text: str
    html: str
    idempotency_key: str
    unsubscribe_url: str | None = None


def message_id_for(idempotency_key: str) -> str:
    """Stable per delivery key: if a send is ever repeated, mail systems can drop the copy."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@onboard>"


def build_message(mail: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id_for(mail.idempotency_key)
    message["X-Onboard-Delivery"] = mail.idempotency_key
    if mail.unsubscribe_url:
        # RFC 8058 one-click: mail clients show an unsubscribe button that POSTs to the URL.
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def send_email(mail: OutgoingEmail, *, host: str, port: int, timeout: float) -> str:
    """Send and return the Message-ID; a 5xx answer raises a non-retryable ApplicationError."""
    message = build_message(mail)
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if any(code >= 500 for code in codes):
            raise permanent(f"recipient refused: {exc.recipients}") from exc
        raise
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        if exc.smtp_code >= 500:
            raise permanent(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        raise
    return str(message["Message-ID"])


def permanent(reason: str) -> ApplicationError:
    return ApplicationError(reason, type="PermanentDeliveryFailure", non_retryable=True)
