from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.health import healthz, readyz

admin.site.site_header = "لوحة إدارة واحة الرضوان"
admin.site.site_title = "واحة الرضوان"
admin.site.index_title = "لوحة إدارة واحة الرضوان"

# JSON errors for /api/ and /auth/, Django's pages elsewhere (core/error_views.py).
handler400 = "core.error_views.bad_request"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"

urlpatterns = [
    path("courses-admin/", admin.site.urls),
    path("auth/", include("users.urls_auth")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("Redwan_courses_center.api_router")),
    path("healthz/", healthz, name="healthz"),
    path("readyz/", readyz, name="readyz"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
