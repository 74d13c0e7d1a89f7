"""Message gateways: chosen by SMS_GATEWAY / EMAIL_GATEWAY, console by default (address masked in
what is printed and logged), the cache outbox for tests, and Django's mail framework."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import socketserver
import subprocess
import sys
import threading

import pytest
from django.core.cache import cache

from tongban.accounts import gateways

MOBILE = "13800138000"
ADDRESS = "zhangsan@163.com"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.skipif(
    "SMS_GATEWAY" in os.environ or "EMAIL_GATEWAY" in os.environ, reason="gateways set in the environment"
)
def test_console_gateways_are_the_default():
    assert type(gateways.gateway(gateways.SMS)) is gateways.ConsoleSmsGateway
    assert type(gateways.gateway(gateways.EMAIL)) is gateways.ConsoleEmailGateway


@pytest.mark.parametrize(
    ("channel", "setting", "cls"),
    [
        (gateways.SMS, "tongban.accounts.gateways.OutboxSmsGateway", gateways.OutboxSmsGateway),
        (gateways.SMS, "tongban.accounts.gateways.ConsoleSmsGateway", gateways.ConsoleSmsGateway),
        (gateways.EMAIL, "tongban.accounts.gateways.OutboxEmailGateway", gateways.OutboxEmailGateway),
        (gateways.EMAIL, "tongban.accounts.gateways.ConsoleEmailGateway", gateways.ConsoleEmailGateway),
        (gateways.EMAIL, "tongban.accounts.gateways.DjangoMailGateway", gateways.DjangoMailGateway),
    ],
)
def test_the_setting_names_the_gateway_class(settings, channel, setting, cls):
    setattr(settings, channel.setting, setting)
    assert type(gateways.gateway(channel)) is cls


def test_each_channel_reads_its_own_setting(settings):
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    settings.EMAIL_GATEWAY = "tongban.accounts.gateways.ConsoleEmailGateway"
    assert type(gateways.gateway(gateways.SMS)) is gateways.OutboxSmsGateway
    assert type(gateways.gateway(gateways.EMAIL)) is gateways.ConsoleEmailGateway


@pytest.mark.parametrize(
    ("gateway", "address", "masked", "extra", "printed"),
    [
        (gateways.ConsoleSmsGateway(), MOBILE, "138****8000", {}, "[SMS -> 138****8000] 验证码是123456"),
        (
            gateways.ConsoleEmailGateway(),
            ADDRESS,
            "z***n@163.com",
            {"subject": "【通办】验证码"},
            "[EMAIL -> z***n@163.com] 【通办】验证码 | 验证码是123456",
        ),
    ],
)
def test_console_prints_the_text_and_masks_the_address(
    capsys, caplog, gateway, address, masked, extra, printed
):
    with caplog.at_level(logging.INFO, logger=f"tongban.{gateway.channel.name}"):
        gateway.send(address, "验证码是123456", **extra)
    out = capsys.readouterr().out
    assert out == printed + "\n"
    assert [r.getMessage() for r in caplog.records] == [f"{gateway.channel.name} sent to {masked}"]
    assert address not in out and address not in caplog.text


def test_outboxes_keep_messages_per_channel_and_address():
    gateways.OutboxSmsGateway().send(MOBILE, "第一条")
    gateways.OutboxSmsGateway().send(MOBILE, "第二条")
    gateways.OutboxEmailGateway().send(ADDRESS, "正文", subject="主题")
    gateways.OutboxEmailGateway().send("lisi@example.com", "另一封", subject="主题")
    assert gateways.outbox(MOBILE) == ["第一条", "第二条"]
    assert gateways.email_outbox(ADDRESS) == ["主题\n\n正文"]
    assert gateways.email_outbox("lisi@example.com") == ["主题\n\n另一封"]
    assert gateways.outbox(ADDRESS) == [] and gateways.email_outbox(MOBILE) == []


def test_django_mail_gateway_sends_through_the_default_mailer(settings, mailoutbox, caplog):
    settings.DEFAULT_FROM_EMAIL = "通办 <noreply@zwfw.example.gov.cn>"
    with caplog.at_level(logging.INFO, logger="tongban.email"):
        gateways.DjangoMailGateway().send(ADDRESS, "您的办件已受理。", subject="【通办】办件通知")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert (message.subject, message.body, message.to, message.from_email) == (
        "【通办】办件通知",
        "您的办件已受理。",
        [ADDRESS],
        "通办 <noreply@zwfw.example.gov.cn>",
    )
    assert [r.getMessage() for r in caplog.records] == ["email sent to z***n@163.com"]


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to take one message (EHLO, MAIL, RCPT, DATA, QUIT)."""

    def handle(self):
        self.wfile.write(b"220 test\r\n")
        data: list[bytes] | None = None
        for raw in self.rfile:
            line = raw.rstrip(b"\r\n")
            if data is not None:
                if line == b".":
                    self.server.messages.append(b"\r\n".join(data))
                    data = None
                    self.wfile.write(b"250 queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper().decode()
            if verb == "DATA":
                data = []
                self.wfile.write(b"354 go on\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.server.commands.append(line.decode())
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.messages, server.commands = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_smtp_from_the_environment_delivers(smtp_server):
    """A fresh process configured only by the EMAIL_* variables sends through SMTP, with no
    deprecation warning for the old EMAIL_HOST... settings (Django 6.1 reads MAILERS)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tongban.settings",
        "EMAIL_GATEWAY": "tongban.accounts.gateways.DjangoMailGateway",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.server_address[1]),
        "EMAIL_TIMEOUT": "5",
        "DEFAULT_FROM_EMAIL": "noreply@zwfw.example.gov.cn",
    }
    script = (
        "import django, warnings\n"
        "warnings.simplefilter('error', PendingDeprecationWarning)\n"
        "django.setup()\n"
        "from tongban.accounts import gateways\n"
        f"gateways.gateway(gateways.EMAIL).send({ADDRESS!r}, '您的办件已受理。', subject='【通办】办件通知')\n"
    )
    run = subprocess.run(  # noqa: S603 - this interpreter on a fixed script
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert [c.lower() for c in smtp_server.commands[1:]] == [
        "mail from:<noreply@zwfw.example.gov.cn>",
        f"rcpt to:<{ADDRESS}>",
    ]
    (raw,) = smtp_server.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "【通办】办件通知" and message["To"] == ADDRESS
    assert message.get_content().strip() == "您的办件已受理。"
