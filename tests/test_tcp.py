"""geo.tcp: the server's listening socket gets TCP_NODELAY, and every connection it accepts inherits it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from geo.tcp import nodelay_listeners

ROOT = Path(__file__).resolve().parent.parent
linux_only = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc/self/fd (Linux)")


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _listener_as_streamlit_binds_it() -> socket.socket:
    # streamlit/web/server/starlette/starlette_server.py::_bind_socket: protocol left at 0, which asyncio
    # takes as "not TCP" and leaves Nagle's algorithm on for every accepted connection.
    listener = socket.socket(family=socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    assert listener.proto == 0 and _nodelay(listener) == 0
    return listener


@linux_only
def test_accepted_connections_inherit_nodelay_from_the_listener():
    with _listener_as_streamlit_binds_it() as listener:
        assert nodelay_listeners() >= 1
        assert _nodelay(listener) == 1
        with socket.create_connection(listener.getsockname()) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert _nodelay(accepted) == 1
            assert _nodelay(client) == 0  # a connected socket that is not listening is left as it is


@linux_only
def test_only_listening_tcp_sockets_are_touched(tmp_path):
    listeners_before = nodelay_listeners()
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram,
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as local,
        socket.socket(socket.AF_INET) as unbound,
    ):
        datagram.bind(("127.0.0.1", 0))
        local.bind(str(tmp_path / "portal.sock"))
        local.listen()
        assert nodelay_listeners() == listeners_before
        assert _nodelay(unbound) == 0
        with _listener_as_streamlit_binds_it():
            assert nodelay_listeners() == listeners_before + 1


def test_a_missing_descriptor_folder_changes_nothing(tmp_path):
    assert nodelay_listeners(tmp_path / "absent") == 0


@linux_only
def test_server_module_turns_nagle_off_on_the_socket_streamlit_bound_before_importing_it(tmp_path):
    # The order of `streamlit run server.py`: Streamlit binds the socket, then uvicorn imports server.py
    # (the app), then accepts connections.
    script = """
import socket, sys
listener = socket.socket(family=socket.AF_INET)
listener.bind(("127.0.0.1", 0))
listener.listen()
import server
client = socket.create_connection(listener.getsockname())
accepted, _ = listener.accept()
sys.stdout.write(str(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
"""
    env = {**os.environ, "BINHAI_DB": str(tmp_path / "portal.duckdb"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    assert "TCP_NODELAY set on 1 listening socket(s)" in done.stderr


@pytest.mark.browser
def test_the_served_portal_reports_nagle_off_on_its_socket(portal):
    # The real `streamlit run server.py`: if Streamlit ever imported the app before binding, this says 0.
    assert "TCP_NODELAY set on 1 listening socket(s)" in portal.log.read_text()
