"""The two ways the project is served, as whole sites for end-to-end tests.

- :class:`QuickStartSite` — what ``./run.sh`` starts: one Daphne answers everything.
- :class:`ComposeSite` — what ``docker-compose.yml`` runs: nginx (the repository's
  ``deploy/nginx`` template, Debian's nginx on the host) in front of gunicorn
  (``docker-entrypoint.sh web``, Compose's ``django-web-app`` service) for REST and Daphne (``docker-entrypoint.sh ws``) for
  ``/ws/``.

Both share this test process's PostgreSQL database, Redis channel layer, cache and secret
key, so that two sites started side by side are two instances of one deployment. Given the
same ``media_dir``, they keep uploaded files in one ``MEDIA_ROOT``, as a deployment's
processes share a volume (or a bucket): a file stored through one site is served by the
other. A Compose site's nginx sends those files itself (``X-Accel-Redirect`` over
``media_dir``, which its workers must be able to read). A site is used the same way
whichever it is::

    site = ComposeSite(env={"DEBUG": "0"}, media_dir=shared)
    site.launch().ready()                       # launch() on several sites first: they boot at once
    status, body = site.request("GET", "/api/courses/", token=access)
    async with connect(site.ws_url("/ws/attendance/", ticket=t)) as ws: ...
    site.stop()                                 # the logs stay readable
    site.logs()                                 # {"nginx access log": "...", ...}
    site.discard()                              # the log files go
"""

from __future__ import annotations

from pathlib import Path

from testkit.servers import Server
from tests.live_server import LiveDaphne, LiveNginx, request_json, ws_url


class QuickStartSite:
    layout = "one Daphne (./run.sh)"

    def __init__(self, env: dict[str, str] | None = None, *, media_dir: Path | None = None) -> None:
        media = {"MEDIA_ROOT": str(media_dir)} if media_dir else {}
        self.daphne = LiveDaphne(env={**(env or {}), **media})
        self.port, self.base = self.daphne.port, self.daphne.base

    def launch(self) -> QuickStartSite:
        self.daphne.launch()
        return self

    def ready(self) -> QuickStartSite:
        self.daphne.ready()
        return self

    def stop(self) -> None:
        self.daphne.stop()

    def discard(self) -> None:
        self.daphne.log_path.unlink(missing_ok=True)

    def request(self, method, path, body=None, token=None, headers=None):
        return request_json(self.base, method, path, body, token, headers)

    def ws_url(self, path: str, **query: str) -> str:
        return ws_url(self.port, path, **query)

    def logs(self) -> dict[str, str]:
        return {"Daphne output": self.daphne.log_text()}

    def http_log(self) -> str:
        """The log with a line for every HTTP request the site answered."""
        return self.daphne.log_text()

    def socket_log(self) -> str:
        """The output of the process that holds the WebSockets."""
        return self.daphne.log_text()


class ComposeSite:
    layout = "nginx → gunicorn + Daphne (docker-compose.yml)"

    def __init__(
        self, env: dict[str, str] | None = None, *, workers: int = 2, media_dir: Path | None = None
    ) -> None:
        env = dict(env or {})
        if media_dir:
            env.update(MEDIA_ROOT=str(media_dir), MEDIA_ACCEL_REDIRECT="/internal-media/")
        # NUM_PROXIES=1 as in docker-compose.yml: the client address is nginx's
        # X-Forwarded-For entry.
        self.web = Server("web", workers=workers, NUM_PROXIES="1", **env)
        self.ws = Server("ws", NUM_PROXIES="1", **env)
        self.proxy = LiveNginx(
            web=f"127.0.0.1:{self.web.port}", ws=f"127.0.0.1:{self.ws.port}", media_dir=media_dir
        )
        self.port, self.base = self.proxy.port, self.proxy.base

    def launch(self) -> ComposeSite:
        self.web.launch()
        self.ws.launch()
        return self

    def ready(self) -> ComposeSite:
        try:
            self.web.ready()
            self.ws.ready()
            checked = self.proxy.check()
            if checked.returncode != 0:
                raise RuntimeError(f"nginx -t refused the configuration: {checked.stderr}")
            self.proxy.start()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.proxy.stop(keep_logs=True)
        self.ws.stop()
        self.web.stop()

    def discard(self) -> None:
        self.proxy.discard()
        for server in (self.web, self.ws):
            server.log_path.unlink(missing_ok=True)

    def request(self, method, path, body=None, token=None, headers=None):
        return request_json(self.base, method, path, body, token, headers)

    def ws_url(self, path: str, **query: str) -> str:
        return ws_url(self.port, path, **query)

    def logs(self) -> dict[str, str]:
        return {
            "nginx access log": self.proxy.access_log_text(),
            "nginx error log": self.proxy.error_log_text(),
            "gunicorn output": self.web.log_path.read_text(errors="replace"),
            "Daphne output": self.ws.log_path.read_text(errors="replace"),
        }

    def http_log(self) -> str:
        """gunicorn keeps no access log in this layout: nginx's is the record."""
        return self.proxy.access_log_text()

    def socket_log(self) -> str:
        return self.ws.log_path.read_text(errors="replace")
