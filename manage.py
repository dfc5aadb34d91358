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

    from core.startup import run_or_exit

    # A missing secret, a bad DATABASE_URL or a database that does not answer: one line on
    # stderr and exit status 1, not a traceback (--traceback shows it).
    run_or_exit(lambda: execute_from_command_line(sys.argv))


if __name__ == "__main__":
    main()
