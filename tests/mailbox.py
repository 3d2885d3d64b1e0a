"""A real SMTP server's inbox for the tests (aiosmtpd runs it in the test process)."""

import email
import re
from email import policy
from email.message import EmailMessage
from typing import Any


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.url = ""  # the MAIL_URL that reaches it, once it runs

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def last_to(self, address: str) -> EmailMessage:
        found = [m for m in self.messages if m["To"] == address]
        assert found, f"no message to {address}"
        return found[-1]


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies (both must be there)."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def reset_link(message: EmailMessage) -> str:
    """The password-reset link a message carries (the same in both parts)."""
    text, html = parts(message)
    found = re.search(r"https?://[^/\s]+/password/reset/\S+", text)
    assert found, text
    assert f'href="{found.group(0)}"' in html
    return found.group(0)
