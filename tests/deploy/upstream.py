"""A small real HTTP server that answers ``GET /v1/videos/{id}/content`` the way a test wants: any bytes (streamed
from a generator, so a 200 MB answer costs the server nothing), any content type, or a connection cut off after a
number of bytes. The studio's own client (videos/sora/client.py) downloads from it over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    chunks: Callable[[], Iterable[bytes]]
    length: int
    content_type: str = "video/mp4"
    cut_after: int | None = None  # close the connection after this many bytes (a cut-off download)


class ContentServer:
    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                video_id = path.removeprefix("/v1/videos/").removesuffix("/content")
                answer = server.answers.get(video_id)
                if answer is None or not path.endswith("/content"):
                    body = b'{"error": {"message": "not found", "type": "invalid_request_error"}}'
                    self.send_response(404)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(200)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(answer.length))
                self.end_headers()
                sent = 0
                try:
                    for chunk in answer.chunks():
                        if answer.cut_after is not None and sent + len(chunk) > answer.cut_after:
                            self.wfile.write(chunk[: answer.cut_after - sent])
                            self.wfile.flush()
                            self.close_connection = True
                            return
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def serve(self, video_id: str, data: bytes, **kwargs) -> None:
        self.answers[video_id] = Answer(chunks=lambda: [data], length=len(data), **kwargs)

    def serve_stream(self, video_id: str, chunks: Callable[[], Iterable[bytes]], length: int, **kwargs) -> None:
        self.answers[video_id] = Answer(chunks=chunks, length=length, **kwargs)

    def client(self):
        from videos.sora.client import SoraClient

        return SoraClient(api_key="sk-test", base_url=self.base_url, max_retries=0)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
