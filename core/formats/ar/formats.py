"""How the Arabic pages write numbers, dates and times: one style everywhere.

Money and marks read ``250.00`` (a dot, as the inputs take it), dates ``2026-12-06``,
date-times ``2026-12-06 16:00`` and times ``16:00`` (24 hours, in Cairo time: the pages
render in the current time zone, Africa/Cairo). Month names stay Arabic where a format
names the month (the date drill-down of a change list)."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
# The week of the center starts on Saturday.
FIRST_DAY_OF_WEEK = 6

# The first input format is also how a time input shows its value: 16:00, no seconds.
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]

DECIMAL_SEPARATOR = "."
# Used only where a page asks for grouping (USE_THOUSAND_SEPARATOR is off).
THOUSAND_SEPARATOR = ","
