from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MemoriesConfig(AppConfig):
    name = "memories"
    verbose_name = _("Memories")

    def ready(self) -> None:
        from memories.notify import KIND, memory_text
        from notifications.texts import register_text

        register_text(KIND, memory_text)
