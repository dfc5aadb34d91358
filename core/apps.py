from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    # Core holds plumbing; its one model, the job log, shows under this heading.
    verbose_name = _("System")
