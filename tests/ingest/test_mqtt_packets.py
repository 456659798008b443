"""The agent's direct decoding of QoS 0 PUBLISH packets from its read buffer: whole
packets are taken, anything else (other packets, QoS 1, a packet cut at the end of
the buffer) is left untouched for paho."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from dosi.ingest.mqtt import _BufferedSocket


def publish(topic: str, payload: bytes, *, header: int = 0x30) -> bytes:
    body = len(topic.encode()).to_bytes(2, "big") + topic.encode() + payload
    length, encoded = len(body), bytearray()
    while True:
        byte, length = length & 0x7F, length >> 7
        encoded.append(byte | (0x80 if length else 0))
        if not length:
            break
    return bytes([header]) + bytes(encoded) + body


class FakeSocket:
    def __init__(self, *chunks: bytes | OSError) -> None:
        self.chunks = list(chunks)

    def recv(self, size: int, flags: int = 0) -> bytes:
        if not self.chunks:
            raise BlockingIOError
        chunk = self.chunks.pop(0)
        if isinstance(chunk, OSError):
            raise chunk
        return chunk


def buffered(*chunks: bytes | OSError) -> _BufferedSocket:
    sock: Any = FakeSocket(*chunks)
    return _BufferedSocket(sock)


def test_whole_qos0_publishes_are_taken_in_order() -> None:
    big = b"x" * 300  # a two-byte remaining length
    stream = buffered(publish("/k/d1/attrs", b'{"t":1}') + publish("/k/d2/attrs", big, header=0x39))
    stream.fill()
    assert stream.take_publish() == ("/k/d1/attrs", b'{"t":1}')
    assert stream.take_publish() == ("/k/d2/attrs", big)  # DUP and RETAIN bits ignored
    assert stream.take_publish() is None
    assert not stream.pending


@pytest.mark.parametrize(
    "packet",
    [
        publish("/k/d1/attrs", b"1", header=0x32),  # QoS 1: paho acknowledges it
        bytes([0xD0, 0x00]),  # PINGRESP
        publish("/k/d1/attrs", b"12345")[:-2],  # cut at the end of the buffer
        publish("/k/\xff", b"1").replace("ÿ".encode(), b"\xff\xfe"),  # not UTF-8
    ],
)
def test_other_packets_are_left_for_paho(packet: bytes) -> None:
    stream = buffered(packet)
    stream.fill()
    assert stream.take_publish() is None
    assert stream.recv(len(packet)) == packet  # nothing was consumed


def test_end_of_stream_and_errors_reach_paho() -> None:
    stream = buffered(b"")
    stream.fill()
    assert stream.pending
    assert stream.recv(1) == b""
    failing = buffered(ConnectionResetError())
    failing.fill()
    assert failing.pending
    with pytest.raises(ConnectionResetError):
        failing.recv(1)
    with pytest.raises(BlockingIOError):
        failing.recv(1)


def test_a_real_socket_pair() -> None:
    left, right = socket.socketpair()
    try:
        right.setblocking(False)
        stream = _BufferedSocket(right)
        stream.fill()
        assert stream.take_publish() is None
        left.sendall(publish("/k/d/attrs", b"a|1"))
        left.sendall(publish("/k/d/attrs", b"a|2"))
        stream.fill()
        assert [stream.take_publish(), stream.take_publish()] == [
            ("/k/d/attrs", b"a|1"),
            ("/k/d/attrs", b"a|2"),
        ]
    finally:
        left.close()
        right.close()
