"""Nagle's algorithm off for the portal's server: every response on a kept-alive connection sent at once.

Streamlit's st.App runner binds its listening socket itself (`socket.socket(family)`, protocol 0) and
hands it to uvicorn. asyncio turns on TCP_NODELAY only for sockets whose protocol reads IPPROTO_TCP,
so the connections accepted from that listener keep Nagle's algorithm on: a response written in two
parts (uvicorn writes the headers, then the body) holds its second part until the browser acknowledges
the first, and the browser delays that acknowledgement by up to 40 ms. Every request after the first on
a connection waited ≈ 44 ms on this machine (curl, three requests on one connection: 2, 44, 44 ms), and
a first visit makes ≈ 150 of them over the browser's six connections (the same trap as uvicorn's
`--workers N`, Kludex/uvicorn#3149).

On Linux an accepted socket inherits TCP_NODELAY from its listener, so setting it on the listening
sockets of the process, once, before the first connection is accepted, covers every connection — the
page's files, the layer files and the websocket alike. server.py calls it when uvicorn imports it,
which is after Streamlit has bound the socket and before uvicorn starts accepting.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

FD_DIR = Path("/proc/self/fd")  # Linux; elsewhere nothing is found and nothing changes


def nodelay_listeners(fd_dir: Path = FD_DIR) -> int:
    """Set TCP_NODELAY on every listening TCP socket of this process; how many were set."""
    try:
        descriptors = [int(name) for name in os.listdir(fd_dir)]
    except OSError:
        return 0
    count = 0
    for fd in descriptors:
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            # A duplicate of the descriptor: closing it leaves the server's socket open. Options belong to
            # the socket, not the descriptor, so what is set here is set on the server's socket.
            with socket.socket(fileno=os.dup(fd)) as sock:
                if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
                    continue
                if not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                count += 1
        except OSError:  # the descriptor closed meanwhile (os.listdir's own among them) or is not a socket
            continue
    return count
