"""The application's HTTP clients: as python-telegram-bot would build them, on one TLS set-up."""

from __future__ import annotations

import ssl

import pytest

from bot.channels.telegram.application import build_application
from bot.core.engine import Engine
from tests.conftest import stand_in_settings
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.integration


def test_both_clients_check_telegrams_certificate_with_one_shared_context(engine: Engine) -> None:
    with FakeTelegram() as telegram:
        settings = stand_in_settings(telegram)
        first = build_application(settings, engine, timeout=3.0)
        second = build_application(settings, engine)
    # The timeouts asked for reach the client that sends the answers; getUpdates keeps the
    # library's own (the poller gives each call its long-poll timeout).
    assert first.bot.request.read_timeout == 3.0
    assert second.bot.request.read_timeout == 10.0
    contexts = {
        id(request._client._transport._pool._ssl_context)  # type: ignore[attr-defined]
        for application in (first, second)
        for request in application.bot._request
    }
    assert len(contexts) == 1  # loaded once for the process
    context = next(
        request._client._transport._pool._ssl_context  # type: ignore[attr-defined]
        for request in first.bot._request
    )
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname  # never switched off
    assert context.cert_store_stats()["x509_ca"] > 0  # a real bundle of authorities
