"""A stand-in WeCom group robot on 127.0.0.1: it records every POST and answers from a script.

Each answer is (HTTP status, JSON body); once the script is used up it keeps answering `{"errcode": 0}`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK = (200, {"errcode": 0, "errmsg": "ok"})


@dataclass
class Robot:
    url: str
    answers: list[tuple[int, dict]] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)

    def messages(self) -> list[dict]:
        return [json.loads(body) for body in self.received]


@contextmanager
def robot_server(answers: list[tuple[int, dict]] | None = None) -> Iterator[Robot]:
    robot = Robot(url="", answers=list(answers or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            robot.received.append(self.rfile.read(int(self.headers["Content-Length"])))
            status, body = robot.answers.pop(0) if robot.answers else OK
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    robot.url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield robot
    finally:
        server.shutdown()
        server.server_close()
