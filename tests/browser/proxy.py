"""A TCP proxy on 127.0.0.1 that can misbehave like the middleboxes between real browsers and servers.

It can freeze its open connections: bytes are read and dropped while the sockets stay open, a dead path that
neither side notices. It can close connections that stay idle too long, as load balancers do. And it can
refuse WebSocket upgrades on ``/ws``, as some corporate proxies do, while forwarding every other request.
"""

from __future__ import annotations

import socket
import threading
import time


class Connection:
    def __init__(self, client: socket.socket, upstream: socket.socket):
        self.client = client
        self.upstream = upstream
        self.frozen = False
        self.last_activity = time.monotonic()
        self.closed = False

    def close(self) -> None:
        self.closed = True
        for sock in (self.client, self.upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class Proxy:
    def __init__(self, upstream_port: int, idle_timeout: float | None = None, reject_websocket: bool = False):
        self.upstream_port = upstream_port
        self.idle_timeout = idle_timeout
        self.reject_websocket = reject_websocket
        self.connections: list[Connection] = []
        self.rejected_upgrades = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._running = True
        threading.Thread(target=self._accept_loop, daemon=True).start()
        if idle_timeout:
            threading.Thread(target=self._idle_loop, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def websocket_connections(self) -> list[Connection]:
        return [connection for connection in self.connections if getattr(connection, "is_websocket", False)]

    def freeze(self) -> None:
        """Silently drop all traffic of the connections open now; later connections work normally."""
        for connection in self.connections:
            connection.frozen = True

    def close(self) -> None:
        self._running = False
        self._listener.close()
        for connection in self.connections:
            connection.close()

    def _accept_loop(self) -> None:
        while self._running:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._open, args=(client,), daemon=True).start()

    def _open(self, client: socket.socket) -> None:
        first = client.recv(65536)
        is_websocket = first.startswith(b"GET /ws ") or first.startswith(b"GET /ws?")
        if is_websocket and self.reject_websocket:
            self.rejected_upgrades += 1
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        connection = Connection(client, upstream)
        connection.is_websocket = is_websocket
        self.connections.append(connection)
        upstream.sendall(first)
        threading.Thread(target=self._pump, args=(connection, client, upstream), daemon=True).start()
        threading.Thread(target=self._pump, args=(connection, upstream, client), daemon=True).start()

    def _pump(self, connection: Connection, source: socket.socket, target: socket.socket) -> None:
        while not connection.closed:
            try:
                data = source.recv(65536)
            except OSError:
                break
            if not data:
                break
            if connection.frozen:
                continue
            connection.last_activity = time.monotonic()
            try:
                target.sendall(data)
            except OSError:
                break
        if not connection.frozen:
            connection.close()

    def _idle_loop(self) -> None:
        while self._running:
            now = time.monotonic()
            for connection in self.connections:
                if not connection.closed and now - connection.last_activity > self.idle_timeout:
                    connection.close()
            time.sleep(0.1)
