"""The load generator of bench/exchange.py: C keep-alive HTTP/1.1 connections driven by one thread
over `selectors` (no thread switching, no GIL contention between connections), each sending its
next request as soon as the previous answer is in: a closed loop, as many calls in flight as
connections. Every answer is checked (status and expected JSON), not only the last one.

A request is (raw HTTP bytes, check), `check(status, body)` returning an error text or None.
"""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Callable, Sequence

Check = Callable[[int, bytes], "str | None"]


class _Conn:
    __slots__ = ("buf", "check", "k", "out", "sent_at", "sock")

    def __init__(self, port: int, k: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buf = b""
        self.k = k
        self.sent_at = 0.0
        self.check: Check | None = None
        self.out = b""


def _parse(buf: bytes) -> tuple[int, bytes, bytes] | None:
    """(status, body, rest) of one complete response at the start of `buf`, or None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end]
    status = int(head[9:12])
    length = 0
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        stop = lower.find(b"\r\n", at + 2)
        length = int(head[at + 17 : stop if stop >= 0 else len(head)])
    elif b"\r\ntransfer-encoding: chunked" in lower:
        raise RuntimeError("chunked answers are not supported by the bench client")
    start = end + 4
    if len(buf) - start < length:
        return None
    return status, buf[start : start + length], buf[start + length :]


def run(
    port: int,
    requests: Sequence[tuple[bytes, Check]],
    *,
    seconds: float,
    connections: int,
    warmup: float = 0.0,
) -> dict:
    """Keep `connections` calls in flight for `seconds` (after `warmup` seconds not counted);
    returns {"requests", "seconds", "latencies_ms", "errors"} — raises on the first wrong answer."""
    sel = selectors.DefaultSelector()
    conns = [_Conn(port, i) for i in range(connections)]
    latencies: list[float] = []
    n = len(requests)
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    count_from = t_start + warmup
    stop_at = count_from + seconds

    def send(c: _Conn) -> None:
        raw, c.check = requests[c.k % n]
        c.k += connections
        c.sent_at = time.perf_counter()
        sent = c.sock.send(raw)
        c.out = raw[sent:]
        sel.register(c.sock, selectors.EVENT_WRITE if c.out else selectors.EVENT_READ, c)

    for c in conns:
        send(c)
    open_ = len(conns)
    try:
        while open_:
            ready = sel.select(timeout=30)
            if not ready:
                raise TimeoutError("no answer within 30 s")
            for key, events in ready:
                c: _Conn = key.data
                if events & selectors.EVENT_WRITE:
                    sent = c.sock.send(c.out)
                    c.out = c.out[sent:]
                    if not c.out:
                        sel.modify(c.sock, selectors.EVENT_READ, c)
                    continue
                chunk = c.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("the server closed a connection")
                c.buf += chunk
                got = _parse(c.buf)
                if got is None:
                    continue
                now = time.perf_counter()
                status, body, c.buf = got
                problem = c.check(status, body)
                if problem:
                    raise RuntimeError(f"HTTP {status}: {problem}: {body[:300]!r}")
                if c.sent_at >= count_from:
                    latencies.append((now - c.sent_at) * 1000)
                sel.unregister(c.sock)
                if now < stop_at:
                    send(c)
                else:
                    open_ -= 1
    finally:
        for c in conns:
            c.sock.close()
        sel.close()
    elapsed = time.perf_counter() - max(count_from, t_start)
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "latencies_ms": latencies,
        "client_cpu_seconds": time.process_time() - cpu_start,  # this (load generator) process
    }


def post(path: str, body: bytes, *, token: str = "") -> bytes:
    auth = f"Authorization: Bearer {token}\r\n".encode() if token else b""
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + auth
        + b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
        + b"\r\n\r\n" + body
    )  # fmt: skip


def once(port: int, raw: bytes) -> tuple[int, bytes]:
    """One request on a fresh connection: (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        buf = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the answer")
            buf += chunk
            got = _parse(buf)
            if got is not None:
                return got[0], got[1]
