"""Run Daphne with an access log that never prints credentials.

Daphne writes its access log straight to a stream, past Python's logging and so past
``core.logging.RedactSecretsFilter``, and an HTTP entry carries the full request URI —
``?token=`` / ``?ticket=`` included. Use this instead of the bare ``daphne`` command:

    python -m core.serve -b 127.0.0.1 -p 8000 core.asgi:application

It takes exactly Daphne's command-line options.
"""

from __future__ import annotations

import sys

from daphne import cli
from daphne.access import AccessLogGenerator

from core.logging import redact
from core.startup import run_or_exit


class RedactingAccessLogGenerator(AccessLogGenerator):
    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        super().write_entry(host, date, redact(request), status, length, ident, user)


def main(argv: list[str] | None = None) -> None:
    # Daphne's CLI looks the generator class up in its module when it builds the server.
    cli.AccessLogGenerator = RedactingAccessLogGenerator
    argv = sys.argv[1:] if argv is None else argv
    # Daphne imports the application (and so the settings) first: a configuration error
    # is one line on stderr and exit status 1, as with manage.py.
    run_or_exit(lambda: cli.CommandLineInterface().run(argv), argv)


if __name__ == "__main__":
    main()
