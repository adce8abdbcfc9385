"""The pipeline's receive limit: a bare Starlette WebSocket endpoint that decodes each frame and acks at once.

Same uvicorn settings as the product (sans-I/O websockets, no permessage-deflate), no validation, no storage.
"""

from __future__ import annotations

import argparse
import time

import msgpack
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket


async def endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        frame = msgpack.unpackb(message["bytes"], raw=False)
        if frame["t"] == "hello":
            reply = {"t": "welcome", "v": 1, "server_time": time.time_ns() // 1_000_000, "limits": {}, "can": ["ingest"]}
        else:
            reply = {"t": "ack", "seq": frame["seq"], "accepted": len(frame["events"]), "duplicates": 0, "rejected": []}
        await websocket.send_bytes(msgpack.packb(reply))


async def healthz(request):
    return PlainTextResponse("ok")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", help="unused; accepted for a uniform command line")
    args = parser.parse_args()
    app = Starlette(routes=[WebSocketRoute("/ws", endpoint), Route("/healthz", healthz)])
    uvicorn.run(app, host="127.0.0.1", port=args.port, ws="websockets-sansio", ws_per_message_deflate=False, log_level="warning")


if __name__ == "__main__":
    main()
