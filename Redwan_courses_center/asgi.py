"""The ASGI application lives in core.asgi (ASGI_APPLICATION); this alias is for tools
that look for <project>/asgi.py."""

from core.asgi import application  # noqa: F401
