"""The file routes of the root URLconf (files.views)."""

from django.urls import path

from files.views import private_file, public_file

urlpatterns = [
    path("media/<path:name>", public_file, name="public-file"),
    path("files/<path:name>", private_file, name="private-file"),
]
