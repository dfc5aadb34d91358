"""Center staff get every model permission in the admin site.

SPEC: "admin" means role ``admin`` or any ``is_staff`` user. Django's admin would otherwise
also require per-model permissions, so a staff member without superuser status would see
an empty admin. Rules still hold: the admin calls the same services as the API.
"""

from django.contrib.auth.backends import ModelBackend

from core.permissions import is_admin


class StaffRoleBackend(ModelBackend):
    def has_perm(self, user_obj, perm, obj=None):
        return (user_obj.is_active and is_admin(user_obj)) or super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return (user_obj.is_active and is_admin(user_obj)) or super().has_module_perms(
            user_obj, app_label
        )
