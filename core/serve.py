"""Run Daphne with an access log that never prints credentials, and able to close a
WebSocket with the server's own close codes.

Daphne writes its access log straight to a stream, past Python's logging and so past
``core.logging.RedactSecretsFilter``, and an HTTP entry carries the full request URI —
``?token=`` / ``?ticket=`` included. Use this instead of the bare ``daphne`` command:

    python -m core.serve -b 127.0.0.1 -p 8000 core.asgi:application

It takes exactly Daphne's command-line options.

Daphne hands an application's ``websocket.close`` code to autobahn's ``sendClose``, which
accepts only 1000 and 3000–4999 — the codes a browser's ``close()`` may send — and raises
on anything else (django/daphne#374). RFC 6455 (§7.4.1) lets a *server* say more, and the
attendance socket closes with ``1011`` when Redis is down; under the bare ``daphne`` that
close raised inside the consumer and left a traceback (or, from a task, no close at all).

Twisted's HTTP request, which Daphne's extends, parses a POST's ``multipart/form-data``
body itself before handing the request on (into ``args``, which Daphne never reads): it
reads the whole body into memory — a memory's 2 GB of videos, a lesson's material — and
answers a malformed one with a bare, empty ``400`` the app never sees. Django parses the
body itself, streaming each file part to disk within the endpoint's limit, so Daphne's
requests here skip Twisted's parsing (:class:`UnparsedBodyRequest`).
"""

from __future__ import annotations

import sys

from daphne import cli, http_protocol, server
from daphne.access import AccessLogGenerator
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

from core.logging import redact
from core.startup import run_or_exit


class RedactingAccessLogGenerator(AccessLogGenerator):
    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        super().write_entry(host, date, redact(request), status, length, ident, user)


# The codes RFC 6455 and the IANA registry let a server put in a close frame besides 1000
# and 3000–4999 (1004 is reserved, 1005/1006/1015 never go on the wire, 1010 is the
# client's): going away, protocol error, unsupported data, bad payload, policy violation,
# too big, internal error, restart, try again later, bad gateway.
SERVER_CLOSE_CODES = frozenset({1001, 1002, 1003, 1007, 1008, 1009, 1011, 1012, 1013, 1014})


class ServerCloseCodesProtocol(WebSocketProtocol):
    def serverClose(self, code=None):  # Daphne calls it for every websocket.close
        if code in SERVER_CLOSE_CODES:
            # What sendClose does once it has validated the code.
            self.sendCloseFrame(code=code, isReply=False)
        else:
            super().serverClose(code)


class ServerCloseCodesFactory(WebSocketFactory):
    protocol = ServerCloseCodesProtocol


class UnparsedBodyRequest(http_protocol.WebRequest):
    """Daphne's request without Twisted's own parsing of form bodies (the docstring above)."""

    def __init__(self, *args, **kwargs):
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)


def main(argv: list[str] | None = None) -> None:
    # Daphne's CLI looks the generator class up in its module when it builds the server,
    # and the server its WebSocket factory.
    cli.AccessLogGenerator = RedactingAccessLogGenerator
    server.WebSocketFactory = ServerCloseCodesFactory
    # Daphne's HTTP factory looks its request class up in its module for each connection.
    http_protocol.WebRequest = UnparsedBodyRequest
    argv = sys.argv[1:] if argv is None else argv
    # Daphne imports the application (and so the settings) first: a configuration error
    # is one line on stderr and exit status 1, as with manage.py.
    run_or_exit(lambda: cli.CommandLineInterface().run(argv), argv)


if __name__ == "__main__":
    main()
