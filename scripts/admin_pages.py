"""Every page of the admin site, found at run time from the URLconf and the admin registry.

scripts/admin_walk.py opens each page in a browser. The list is read from what Django
serves, not written by hand, so a page added to the admin (a model, a ``get_urls`` view
of a model admin, a view of the site) is walked without touching the walk:

- the site's own pages: the index (the dashboard), the login page, the password change
  pages, and one app page per app the user sees;
- per registered model the user may see: the change list, the add form when the admin
  allows adding, and the change form of the first object when there is one;
- any other page under the admin's prefix that takes no argument, or only the object's
  id (filled with the first object's), from a model admin's ``get_urls``, the site's
  ``get_urls`` or the project's URLconf;
- ``EXTRA_PAGES``: pages whose URL the walk cannot build from the URLconf alone.

What is left out on purpose: the logout (a POST), the JSON and JavaScript endpoints
(autocomplete, jsi18n), redirects (view on site, ``<id>/``), the catch-all, and each
object's history and delete pages (``include_object_pages=True`` adds them). A route
with an argument the walk cannot fill is listed in ``not_walked`` so the walk prints it.

    python scripts/admin_pages.py            # JSON for the database of the settings
    python scripts/admin_pages.py --seed     # migrate + seed_demo first (a fresh database)
    python scripts/admin_pages.py --object-pages   # with the history and delete pages
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Kinds, in walking order.
KINDS = ("login", "index", "app", "changelist", "add", "change", "custom", "object", "site")

# Pages of the site that are not HTML pages for a person, or only redirect.
SITE_SKIPPED = {"logout", "autocomplete", "jsi18n", "view_on_site"}

# The names a model admin's URL gives the object's id (Django's UserAdmin says "id").
OBJECT_PARAMS = frozenset({"object_id", "id", "pk"})

# A few pages the URLconf alone cannot produce: (name, path, kind).
EXTRA_PAGES: list[tuple[str, str, str]] = []


@dataclass(frozen=True)
class AdminPage:
    name: str  # unique, safe in a file name: "courses_course_changelist"
    url: str  # the path, "/courses-admin/courses/course/"
    kind: str  # one of KINDS
    logged_out: bool = False  # the login page is walked before logging in


@dataclass
class Found:
    pages: list[AdminPage] = field(default_factory=list)
    not_walked: list[str] = field(default_factory=list)

    def add(self, page: AdminPage) -> None:
        if all(page.url != seen.url for seen in self.pages):
            self.pages.append(page)


@dataclass(frozen=True)
class Route:
    """One URL pattern of the project, with the chain of prefixes it sits under."""

    parts: tuple[str, ...]  # each level's pattern text, "courses-admin/", "courses/course/", …
    namespace: str  # "admin" for the admin site's own routes
    name: str | None
    params: frozenset[str]

    def path(self) -> str:
        """The URL of a route without arguments, from its patterns' text."""
        return "/" + "".join(re.sub(r"^\^|\$$|\\Z$", "", part) for part in self.parts)


def project_routes(resolver=None, parts=(), namespace="", params=frozenset()) -> list[Route]:
    """Every URL pattern of the project (default: the root URLconf), depth first."""
    from django.urls import URLResolver, get_resolver

    resolver = resolver or get_resolver()
    routes = []
    for entry in resolver.url_patterns:
        here = (*parts, str(entry.pattern))
        names = params | _pattern_params(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            routes += project_routes(entry, here, inner, names)
        else:
            routes.append(Route(here, namespace, entry.name, names))
    return routes


def _pattern_params(pattern) -> frozenset[str]:
    """The arguments a pattern captures (a path converter is a named group of its regex);
    an unnamed regex group counts as "*"."""
    regex = pattern.regex
    unnamed = {"*"} if regex.groups > len(regex.groupindex) else set()
    return frozenset(set(regex.groupindex) | unnamed)


def admin_pages(user, site=None, *, include_object_pages: bool = False) -> Found:
    """The pages ``user`` may open on ``site`` (default: Django's admin.site)."""
    from django.contrib import admin
    from django.test import RequestFactory
    from django.urls import NoReverseMatch, reverse

    site = site or admin.site
    index = reverse(f"{site.name}:index")
    request = RequestFactory().get(index)
    request.user = user
    found = Found()
    models = {
        f"{m._meta.app_label}/{m._meta.model_name}/": (m, ma) for m, ma in site._registry.items()
    }
    model_routes: dict[str, list[Route]] = {key: [] for key in models}
    site_routes: list[Route] = []
    for route in project_routes():
        if route.namespace == site.name and len(route.parts) > 2 and route.parts[1] in models:
            model_routes[route.parts[1]].append(route)
        elif route.namespace == site.name or route.path().startswith(index):
            site_routes.append(route)

    for route in site_routes:
        _site_page(route, site, request, found, reverse, NoReverseMatch)
    for key, (model, model_admin) in models.items():
        _model_pages(model, model_admin, model_routes[key], request, found, include_object_pages)
    for name, url, kind in EXTRA_PAGES:
        found.add(AdminPage(name, url, kind))
    found.pages.sort(key=lambda page: (KINDS.index(page.kind), page.url))
    return found


def _site_page(route: Route, site, request, found: Found, reverse, no_match) -> None:
    name = route.name
    if name in SITE_SKIPPED:
        return
    if name == "app_list" and route.params == {"app_label"}:
        for app in site.get_app_list(request):
            label = app["app_label"]
            url = reverse(f"{site.name}:app_list", kwargs={"app_label": label})
            found.add(AdminPage(f"app_{label}", url, "app"))
        return
    if route.params:
        if name is not None or "url" not in route.params:  # "url": the catch-all
            found.not_walked.append(f"{route.path()} (needs {', '.join(sorted(route.params))})")
        return
    try:
        url = reverse(f"{route.namespace}:{name}") if name and route.namespace else route.path()
    except no_match:
        url = route.path()
    kind = {"index": "index", "login": "login"}.get(name or "", "site")
    if url == reverse(f"{site.name}:login"):
        kind = "login"
    label = "login" if kind == "login" else name or _slug(url)
    found.add(AdminPage(label, url, kind, logged_out=kind == "login"))


def _model_pages(model, model_admin, routes, request, found: Found, object_pages: bool) -> None:
    from django.urls import reverse

    opts = model._meta
    prefix = f"{opts.app_label}_{opts.model_name}_"
    if not model_admin.has_view_or_change_permission(request):
        return
    first = model_admin.get_queryset(request).order_by("pk").first()
    for route in routes:
        name = route.name or ""
        suffix = name[len(prefix) :] if name.startswith(prefix) else name
        args = {}
        if len(route.params) == 1 and route.params <= OBJECT_PARAMS:
            if suffix in ("history", "delete") and not object_pages:
                continue
            if not name:  # "<id>/": a redirect to the change form
                continue
            if first is None or not model_admin.has_view_or_change_permission(request, first):
                continue
            if suffix == "delete" and not model_admin.has_delete_permission(request, first):
                continue
            args = {next(iter(route.params)): str(first.pk)}
        elif route.params:
            found.not_walked.append(f"{route.path()} (needs {', '.join(sorted(route.params))})")
            continue
        if suffix == "add" and not model_admin.has_add_permission(request):
            continue
        kind = {"changelist": "changelist", "add": "add", "change": "change"}.get(suffix)
        kind = kind or ("object" if suffix in ("history", "delete") else "custom")
        if name:
            url = reverse(f"{route.namespace}:{name}", kwargs=args)
        else:
            url = route.path()
        label = f"{prefix}{suffix}" if suffix else f"{prefix}{_slug(route.parts[-1])}"
        found.add(AdminPage(label, url, kind))


def _slug(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", url.lower()).strip("_") or "root"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if "--seed" in argv:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=sys.stderr)

    from demo_logins import demo_logins
    from django.contrib.auth import get_user_model

    phone = demo_logins()["ADMIN_PHONE"]
    user = get_user_model().objects.get(phone_number1=phone)
    found = admin_pages(user, include_object_pages="--object-pages" in argv)
    json.dump(
        {"pages": [asdict(page) for page in found.pages], "not_walked": found.not_walked},
        sys.stdout,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
