#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    default_settings = "Redwan_courses_center.settings"
    if sys.argv[1:2] == ["test"]:
        # `python manage.py test` (the center's habit) runs with the test settings.
        default_settings = "Redwan_courses_center.settings_test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_settings)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
