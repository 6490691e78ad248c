"""Raw TCP servers on 127.0.0.1 for replies no HTTP library would send: garbage, or a byte at a time."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def raw_server(handle: Callable[[socket.socket, threading.Event], None]) -> Iterator[int]:
    """Serve each connection with ``handle(connection, stop)`` in a thread of its own; yields the port.

    ``stop`` is set when the block ends, so a handler that loops can end too.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_closing, args=(handle, client, stop), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _closing(
    handle: Callable[[socket.socket, threading.Event], None], client: socket.socket, stop: threading.Event
) -> None:
    try:
        handle(client, stop)
    except OSError:
        pass
    finally:
        client.close()
