from functools import partial

from django.contrib import admin
from django.urls import include, path

from core.docs import RedocView, SchemaView, SwaggerView
from core.health import healthz, readyz, readyz_realtime
from enrollments_payments.admin_import import people_import_view
from users.admin_login import ThrottledAdminAuthenticationForm, admin_login

admin.site.site_header = "لوحة إدارة واحة الرضوان"
admin.site.site_title = "واحة الرضوان"
admin.site.index_title = "لوحة إدارة واحة الرضوان"
# The admin login counts against the API login's throttles (users/admin_login.py).
admin.site.login_form = ThrottledAdminAuthenticationForm

# JSON errors for /api/ and /auth/, Django's pages elsewhere (core/error_views.py).
handler400 = "core.error_views.bad_request"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"

urlpatterns = [
    path("courses-admin/login/", admin_login),
    # The import of families, students and instructors (SPEC §6.11), a page of the site.
    path(
        "courses-admin/import/",
        admin.site.admin_view(partial(people_import_view, admin_site=admin.site)),
        name="people_import",
    ),
    path("courses-admin/", admin.site.urls),
    path("auth/", include("users.urls_auth")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file (?script), so the page
    # needs no inline script under its Content-Security-Policy (core/csp.py).
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("Redwan_courses_center.api_router")),
    path("healthz/", healthz, name="healthz"),
    path("readyz/", readyz, name="readyz"),
    path("readyz/realtime/", readyz_realtime, name="readyz-realtime"),
    # Uploaded files on the filesystem, in every mode: public ones as they are, private
    # ones only with a valid signature (files/views.py).
    path("", include("files.urls")),
]
