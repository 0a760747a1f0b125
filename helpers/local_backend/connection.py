"""The HTTP side of the backend process: connections kept alive, as AWS endpoints keep them."""

from __future__ import annotations


class _BodyAlreadyRead:
    """The connection's reader once the request body has been read whole: ``read`` finds nothing more.

    After each response werkzeug drains whatever the client sent beyond the request (it expects to
    close the connection next); on a kept-alive connection that would swallow the next request. Lines
    (the next request line and its headers) still come from the real reader.
    """

    def __init__(self, real):
        self.real = real

    def read(self, *_args) -> bytes:
        return b""

    def __getattr__(self, name):
        return getattr(self.real, name)


def keep_alive_handler():
    """moto's request handler, with HTTP/1.1 keep-alive as AWS endpoints offer it.

    werkzeug's development server answers every request with ``Connection: close``, because a request
    body the application leaves unread would be taken for the next request on the connection. So every
    request cost a new TCP connection and a new server thread (a third of a client's time per S3 GetObject).
    Here the body is read whole first (its ``Content-Length``), so the connection is always at the next
    request's first byte and can stay open. Chunked request bodies keep werkzeug's behaviour: they close.
    """
    import io

    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class KeepAliveHandler(MotoRequestHandler):
        # The status line, headers and body go out in separate small writes: on a kept-alive connection,
        # Nagle's algorithm would hold each back until the client's delayed ACK (40 ms a request).
        disable_nagle_algorithm = True

        def make_environ(self):
            self.rfile = getattr(self.rfile, "real", self.rfile)  # the previous request's wrapper off
            environ = super().make_environ()
            self.body_read = False
            if environ.get("wsgi.input_terminated"):  # a chunked body: werkzeug's way, and the connection closes
                return environ
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return environ  # werkzeug answers it, and closes
            environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length > 0 else b"")
            self.rfile, self.body_read = _BodyAlreadyRead(self.rfile), True
            return environ

        def send_header(self, keyword, value):
            if keyword.lower() == "connection" and value.lower() == "close" and getattr(self, "body_read", False):
                return  # werkzeug's blanket close: not needed, the whole body was read
            super().send_header(keyword, value)

    return KeepAliveHandler
