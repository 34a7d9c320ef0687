"""A real HTTP receiver for webhook tests: http.server in a thread on 127.0.0.1 (no mocks). It records every request
(headers, raw body) and answers with the next code of `codes` (then 200), after `delay` seconds if set."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, codes: list[int] | None = None, delay: float = 0.0):
        self.codes = list(codes or [])
        self.delay = delay
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with owner.lock:
                    owner.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                    code = owner.codes.pop(0) if owner.codes else 200
                if owner.delay:
                    time.sleep(owner.delay)
                try:
                    self.send_response(code)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender gave up (a timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/studio"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
