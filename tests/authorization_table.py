"""Who gets what from every endpoint: the table tests/test_authorization_sweep.py walks.

One row per (route, method). The route is spelled as the URL resolver has it, with each
path parameter written ``{name}`` (``api/children/{pk}/``); the URL fills the parameters
with the sweep's objects (its ``{…}`` names are attributes of the test class: ``child`` is
the parent's child, ``lecture`` a lecture of the instructor's course running now, …); the
body, when there is one, is valid for the personas who are allowed, so the table says
"allowed" as ``ok``. The columns, in this order:

    anon  par   lnk   oth   stu   ins   oin   sup   adm
    anonymous, parent (primary parent of ``child``), linked_parent (``child``'s other
    parent), other_parent (a stranger, primary parent of ``other_child``), student
    (enrolled in ``course``), instructor (``course``'s), other_instructor (of no course
    here), supervisor, admin

A cell is ``ok`` (any 2xx) or the exact status: ``400`` allowed but the input or the
state is refused, ``409`` allowed but it conflicts with the object's state, ``401`` not
authenticated, ``403`` refused by role (or the object is visible but not yours to
change), ``404`` not visible to this persona (SPEC §10: others' data is 404, not 403),
``405`` the method is not offered.
"""

from __future__ import annotations

from tests.authorization_bodies import BODIES

# A method the route does not offer: 405 for everyone, before any sign-in is asked for.
NOT_OFFERED = "405  405   405   405   405   405   405   405   405"
ADMIN_ONLY = "401  403   403   403   403   403   403   403   ok"
EVERYONE = "ok   ok    ok    ok    ok    ok    ok    ok    ok"
SIGNED_IN = "401  ok    ok    ok    ok    ok    ok    ok    ok"
SUPERVISORS_AND_ADMINS = "401  403   403   403   403   403   403   ok    ok"

# (method, route, url, expected) — the body comes from BODIES[(method, route)] when any.
ROWS: list[tuple[str, str, str, str]] = [
    # --- /auth/ --------------------------------------------------------------------------
    #                                                                anon par lnk oth stu ins oin sup adm
    ("GET", "auth/users/", "/auth/users/", "401  404   404   404   404   404   404   404   ok"),
    ("POST", "auth/users/", "/auth/users/", EVERYONE),
    ("GET", "auth/users/me/", "/auth/users/me/", SIGNED_IN),
    ("PATCH", "auth/users/me/", "/auth/users/me/", SIGNED_IN),
    ("POST", "auth/users/set_password/", "/auth/users/set_password/", SIGNED_IN),
    (
        "GET",
        "auth/users/{id}/",
        "/auth/users/{parent_user}/",
        "401  ok    404   404   404   404   404   404   ok",
    ),
    (
        "PATCH",
        "auth/users/{id}/",
        "/auth/users/{parent_user}/",
        "401  ok    404   404   404   404   404   404   ok",
    ),
    ("POST", "auth/jwt/create/", "/auth/jwt/create/", EVERYONE),
    ("POST", "auth/jwt/refresh/", "/auth/jwt/refresh/", EVERYONE),
    ("POST", "auth/jwt/verify/", "/auth/jwt/verify/", EVERYONE),
    ("POST", "auth/jwt/blacklist/", "/auth/jwt/blacklist/", EVERYONE),
    ("POST", "auth/phone/send-code/", "/auth/phone/send-code/", SIGNED_IN),
    (
        "POST",
        "auth/phone/verify/",
        "/auth/phone/verify/",
        "401  400   400   400   400   400   400   400   400",
    ),
    # Anyone may ask; no stored code matches the sweep's, so the confirmation is 400 for all.
    ("POST", "auth/password/reset/", "/auth/password/reset/", EVERYONE),
    (
        "POST",
        "auth/password/reset/confirm/",
        "/auth/password/reset/confirm/",
        "400  400   400   400   400   400   400   400   400",
    ),
    # --- documentation and probes ----------------------------------------------------------
    ("GET", "api/schema/", "/api/schema/", EVERYONE),
    ("GET", "api/docs/", "/api/docs/", EVERYONE),
    ("GET", "api/redoc/", "/api/redoc/", EVERYONE),
    ("GET", "healthz/", "/healthz/", EVERYONE),
    ("GET", "readyz/", "/readyz/", EVERYONE),
    ("GET", "readyz/realtime/", "/readyz/realtime/", EVERYONE),
    # --- people ---------------------------------------------------------------------------
    ("GET", "api/children/", "/api/children/", SIGNED_IN),
    (
        "POST",
        "api/children/",
        "/api/children/",
        "401  ok    ok    ok    403   403   403   403   403",
    ),
    (
        "GET",
        "api/children/{pk}/",
        "/api/children/{child}/",
        "401  ok    ok    404   404   404   404   404   ok",
    ),
    ("PUT", "api/children/{pk}/", "/api/children/{child}/", NOT_OFFERED),
    # The card (a PDF): the child's family and admins.
    (
        "GET",
        "api/children/{pk}/card/",
        "/api/children/{child}/card/",
        "401  ok    ok    404   404   404   404   404   ok",
    ),
    (
        "PATCH",
        "api/children/{pk}/",
        "/api/children/{child}/",
        "401  ok    403   404   404   404   404   404   ok",
    ),
    (
        "DELETE",
        "api/children/{pk}/",
        "/api/children/{child}/",
        "401  409   403   404   404   404   404   404   409",
    ),
    ("GET", "api/parent-links/", "/api/parent-links/", SIGNED_IN),
    (
        "POST",
        "api/parent-links/",
        "/api/parent-links/",
        "401  ok    ok    409   403   403   403   403   403",
    ),
    (
        "GET",
        "api/parent-links/{pk}/",
        "/api/parent-links/{link}/",
        "401  ok    404   ok    404   404   404   404   ok",
    ),
    (
        "POST",
        "api/parent-links/{pk}/approve/",
        "/api/parent-links/{link}/approve/",
        "401  ok    404   403   404   404   404   404   ok",
    ),
    (
        "POST",
        "api/parent-links/{pk}/reject/",
        "/api/parent-links/{link}/reject/",
        "401  ok    404   403   404   404   404   404   ok",
    ),
    ("GET", "api/instructors/", "/api/instructors/", EVERYONE),
    ("POST", "api/instructors/", "/api/instructors/", ADMIN_ONLY),
    ("GET", "api/instructors/{pk}/", "/api/instructors/{instructor_profile}/", EVERYONE),
    ("PUT", "api/instructors/{pk}/", "/api/instructors/{instructor_profile}/", NOT_OFFERED),
    ("PATCH", "api/instructors/{pk}/", "/api/instructors/{instructor_profile}/", ADMIN_ONLY),
    ("GET", "api/students/", "/api/students/", ADMIN_ONLY),
    ("GET", "api/students/{pk}/", "/api/students/{student_profile}/", ADMIN_ONLY),
    # The card (a PDF): the student themself and admins.
    (
        "GET",
        "api/students/{pk}/card/",
        "/api/students/{student_profile}/card/",
        "401  404   404   404   ok    404   404   404   ok",
    ),
    ("GET", "api/parents/", "/api/parents/", ADMIN_ONLY),
    ("GET", "api/parents/{pk}/", "/api/parents/{parent_profile}/", ADMIN_ONLY),
    ("GET", "api/notifications/", "/api/notifications/", SIGNED_IN),
    ("POST", "api/notifications/read-all/", "/api/notifications/read-all/", SIGNED_IN),
    (
        "GET",
        "api/notifications/{pk}/",
        "/api/notifications/{notification}/",
        "401  ok    404   404   404   404   404   404   404",
    ),
    (
        "POST",
        "api/notifications/{pk}/read/",
        "/api/notifications/{notification}/read/",
        "401  ok    404   404   404   404   404   404   404",
    ),
    # --- the catalogue ----------------------------------------------------------------------
    ("GET", "api/seasons/", "/api/seasons/", EVERYONE),
    ("POST", "api/seasons/", "/api/seasons/", ADMIN_ONLY),
    ("GET", "api/seasons/{pk}/", "/api/seasons/{season}/", EVERYONE),
    ("PUT", "api/seasons/{pk}/", "/api/seasons/{season}/", NOT_OFFERED),
    ("PATCH", "api/seasons/{pk}/", "/api/seasons/{season}/", ADMIN_ONLY),
    (
        "DELETE",
        "api/seasons/{pk}/",
        "/api/seasons/{season}/",
        "401  403   403   403   403   403   403   403   409",
    ),
    ("GET", "api/tags/", "/api/tags/", EVERYONE),
    ("POST", "api/tags/", "/api/tags/", ADMIN_ONLY),
    ("GET", "api/tags/{pk}/", "/api/tags/{tag}/", EVERYONE),
    ("PUT", "api/tags/{pk}/", "/api/tags/{tag}/", NOT_OFFERED),
    ("PATCH", "api/tags/{pk}/", "/api/tags/{tag}/", ADMIN_ONLY),
    ("DELETE", "api/tags/{pk}/", "/api/tags/{tag}/", ADMIN_ONLY),
    ("GET", "api/courses/", "/api/courses/", EVERYONE),
    ("POST", "api/courses/", "/api/courses/", ADMIN_ONLY),
    ("GET", "api/courses/{pk}/", "/api/courses/{course}/", EVERYONE),
    ("PUT", "api/courses/{pk}/", "/api/courses/{course}/", NOT_OFFERED),
    (
        "PATCH",
        "api/courses/{pk}/",
        "/api/courses/{course}/",
        "401  403   403   403   403   ok    403   403   ok",
    ),
    (
        "DELETE",
        "api/courses/{pk}/",
        "/api/courses/{course}/",
        "401  403   403   403   403   403   403   403   409",
    ),
    (
        "POST",
        "api/courses/{pk}/generate-lectures/",
        "/api/courses/{course}/generate-lectures/",
        ADMIN_ONLY,
    ),
    # The cards of its active participants (a PDF of A4 sheets).
    ("GET", "api/courses/{pk}/cards/", "/api/courses/{course}/cards/", ADMIN_ONLY),
    ("GET", "api/courses/{pk}/schedule/", "/api/courses/{course}/schedule/", EVERYONE),
    ("POST", "api/courses/{pk}/schedule/", "/api/courses/{course}/schedule/", ADMIN_ONLY),
    (
        "PATCH",
        "api/courses/{pk}/schedule/{slot_id}/",
        "/api/courses/{course}/schedule/{slot}/",
        ADMIN_ONLY,
    ),
    (
        "DELETE",
        "api/courses/{pk}/schedule/{slot_id}/",
        "/api/courses/{course}/schedule/{slot}/",
        ADMIN_ONLY,
    ),
    # --- lectures, exams, attendance ------------------------------------------------------
    ("GET", "api/lectures/", "/api/lectures/", SIGNED_IN),
    # The course's instructor proposes an extra lecture (§6.11); another course is 404.
    (
        "POST",
        "api/lectures/",
        "/api/lectures/",
        "401  403   403   403   403   ok    404   404   ok",
    ),
    (
        "GET",
        "api/lectures/{pk}/",
        "/api/lectures/{lecture}/",
        "401  ok    ok    404   ok    ok    404   ok    ok",
    ),
    ("PUT", "api/lectures/{pk}/", "/api/lectures/{lecture}/", NOT_OFFERED),
    (
        "PATCH",
        "api/lectures/{pk}/",
        "/api/lectures/{lecture}/",
        "401  403   403   404   403   403   404   403   ok",
    ),
    (
        "DELETE",
        "api/lectures/{pk}/",
        "/api/lectures/{lecture}/",
        "401  403   403   404   403   403   404   403   ok",
    ),
    # ``proposal``: proposed by the instructor, seen only by them and the admins.
    (
        "POST",
        "api/lectures/{pk}/approve/",
        "/api/lectures/{proposal}/approve/",
        "401  404   404   404   404   403   404   404   ok",
    ),
    (
        "POST",
        "api/lectures/{pk}/reject/",
        "/api/lectures/{proposal}/reject/",
        "401  404   404   404   404   403   404   404   ok",
    ),
    (
        "GET",
        "api/lectures/{pk}/attendance/",
        "/api/lectures/{lecture}/attendance/",
        "401  ok    ok    404   ok    ok    404   ok    ok",
    ),
    (
        "POST",
        "api/lectures/{pk}/attendance/",
        "/api/lectures/{lecture}/attendance/",
        "401  403   403   404   403   ok    404   ok    ok",
    ),
    (
        "GET",
        "api/lectures/{pk}/attendance/history/",
        "/api/lectures/{lecture}/attendance/history/",
        "401  403   403   404   403   403   404   403   ok",
    ),
    ("GET", "api/exams/", "/api/exams/", SIGNED_IN),
    (
        "POST",
        "api/exams/",
        "/api/exams/",
        "401  403   403   403   403   ok    403   403   ok",
    ),
    # Supervisors read every exam and its results (as every lecture); writing is 403.
    (
        "GET",
        "api/exams/{pk}/",
        "/api/exams/{exam}/",
        "401  ok    ok    404   ok    ok    404   ok    ok",
    ),
    ("PUT", "api/exams/{pk}/", "/api/exams/{exam}/", NOT_OFFERED),
    (
        "PATCH",
        "api/exams/{pk}/",
        "/api/exams/{exam}/",
        "401  403   403   404   403   ok    404   403   ok",
    ),
    (
        "DELETE",
        "api/exams/{pk}/",
        "/api/exams/{exam}/",
        "401  403   403   404   403   409   404   403   409",
    ),
    (
        "GET",
        "api/exams/{pk}/results/",
        "/api/exams/{exam}/results/",
        "401  ok    ok    404   ok    ok    404   ok    ok",
    ),
    (
        "POST",
        "api/exams/{pk}/results/",
        "/api/exams/{exam}/results/",
        "401  403   403   404   403   ok    404   403   ok",
    ),
    (
        "POST",
        "api/attendance/scan/",
        "/api/attendance/scan/",
        "401  401   401   401   401   401   401   401   401",
    ),
    ("GET", "api/attendance/", "/api/attendance/", SIGNED_IN),
    (
        "GET",
        "api/attendance/{pk}/",
        "/api/attendance/{attendance_row}/",
        "401  ok    ok    404   404   ok    404   ok    ok",
    ),
    ("GET", "api/instructor-ratings/", "/api/instructor-ratings/", SIGNED_IN),
    (
        "POST",
        "api/instructor-ratings/",
        "/api/instructor-ratings/",
        "401  ok    ok    400   ok    403   403   403   403",
    ),
    (
        "GET",
        "api/instructor-ratings/{pk}/",
        "/api/instructor-ratings/{rating}/",
        "401  404   404   404   ok    ok    404   404   ok",
    ),
    # Course ratings: the sweep's rating is the student's of ``course``; its instructor reads
    # it (without who gave it), nobody else but admins.
    ("GET", "api/course-ratings/", "/api/course-ratings/", SIGNED_IN),
    (
        "POST",
        "api/course-ratings/",
        "/api/course-ratings/",
        "401  ok    ok    400   ok    403   403   403   403",
    ),
    (
        "GET",
        "api/course-ratings/{pk}/",
        "/api/course-ratings/{course_rating}/",
        "401  404   404   404   ok    ok    404   404   ok",
    ),
    # --- the staff side of attendance -----------------------------------------------------
    ("GET", "api/devices/", "/api/devices/", ADMIN_ONLY),
    ("POST", "api/devices/", "/api/devices/", ADMIN_ONLY),
    ("GET", "api/devices/{pk}/", "/api/devices/{device}/", ADMIN_ONLY),
    ("PATCH", "api/devices/{pk}/", "/api/devices/{device}/", ADMIN_ONLY),
    ("POST", "api/devices/{pk}/rotate-key/", "/api/devices/{device}/rotate-key/", ADMIN_ONLY),
    # Shifts: only supervisors (their own; another's is 404) and admins. Every other role
    # is refused by role, not answered an empty list: it can never have a shift.
    ("GET", "api/supervisor-shifts/", "/api/supervisor-shifts/", SUPERVISORS_AND_ADMINS),
    ("POST", "api/supervisor-shifts/", "/api/supervisor-shifts/", ADMIN_ONLY),
    (
        "GET",
        "api/supervisor-shifts/{pk}/",
        "/api/supervisor-shifts/{shift}/",
        SUPERVISORS_AND_ADMINS,
    ),
    ("PUT", "api/supervisor-shifts/{pk}/", "/api/supervisor-shifts/{shift}/", NOT_OFFERED),
    ("PATCH", "api/supervisor-shifts/{pk}/", "/api/supervisor-shifts/{shift}/", ADMIN_ONLY),
    ("DELETE", "api/supervisor-shifts/{pk}/", "/api/supervisor-shifts/{shift}/", ADMIN_ONLY),
    (
        "GET",
        "api/instructor-attendance/",
        "/api/instructor-attendance/",
        "401  403   403   403   403   ok    ok    ok    ok",
    ),
    (
        "GET",
        "api/instructor-attendance/{pk}/",
        "/api/instructor-attendance/{staff_row}/",
        "401  403   403   403   403   ok    404   404   ok",
    ),
    *[
        (
            "POST",
            f"api/instructor-attendance/{{pk}}/{verb}/",
            f"/api/instructor-attendance/{{staff_row}}/{verb}/",
            f"401  403   403   403   403   403   404   404   {admin}",
        )
        for verb, admin in (
            ("check-in", "ok"),
            ("check-out", "409"),
            ("mark-absent", "ok"),
            ("rate", "409"),
        )
    ],
    ("GET", "api/cron-logs/", "/api/cron-logs/", ADMIN_ONLY),
    ("GET", "api/cron-logs/{pk}/", "/api/cron-logs/{cron_log}/", ADMIN_ONLY),
    (
        "POST",
        "api/ws-ticket/",
        "/api/ws-ticket/",
        "401  403   403   403   403   ok    ok    ok    ok",
    ),
    # --- enrollments and money ------------------------------------------------------------
    ("GET", "api/enrollment-requests/", "/api/enrollment-requests/", SIGNED_IN),
    (
        "POST",
        "api/enrollment-requests/",
        "/api/enrollment-requests/",
        "401  ok    ok    ok    ok    403   403   403   403",
    ),
    (
        "POST",
        "api/enrollment-requests/bulk-approve/",
        "/api/enrollment-requests/bulk-approve/",
        ADMIN_ONLY,
    ),
    (
        "GET",
        "api/enrollment-requests/{pk}/",
        "/api/enrollment-requests/{other_request}/",
        "401  404   404   ok    404   404   404   404   ok",
    ),
    (
        "POST",
        "api/enrollment-requests/{pk}/approve/",
        "/api/enrollment-requests/{other_request}/approve/",
        "401  404   404   403   404   404   404   404   ok",
    ),
    (
        "POST",
        "api/enrollment-requests/{pk}/reject/",
        "/api/enrollment-requests/{other_request}/reject/",
        "401  404   404   403   404   404   404   404   ok",
    ),
    (
        "POST",
        "api/enrollment-requests/{pk}/cancel/",
        "/api/enrollment-requests/{other_request}/cancel/",
        "401  404   404   ok    404   404   404   404   ok",
    ),
    ("GET", "api/enrollments/", "/api/enrollments/", SIGNED_IN),
    (
        "GET",
        "api/enrollments/{pk}/",
        "/api/enrollments/{enrollment}/",
        "401  ok    ok    404   404   ok    404   404   ok",
    ),
    (
        "POST",
        "api/enrollments/{pk}/drop/",
        "/api/enrollments/{enrollment}/drop/",
        "401  ok    ok    404   404   403   404   404   ok",
    ),
    ("GET", "api/payments/", "/api/payments/", SIGNED_IN),
    ("POST", "api/payments/", "/api/payments/", ADMIN_ONLY),
    (
        "GET",
        "api/payments/{pk}/",
        "/api/payments/{payment}/",
        "401  ok    ok    404   404   404   404   404   ok",
    ),
    (
        "POST",
        "api/payments/{pk}/void/",
        "/api/payments/{payment}/void/",
        "401  403   403   404   404   404   404   404   ok",
    ),
    ("GET", "api/refund-requests/", "/api/refund-requests/", SIGNED_IN),
    (
        "POST",
        "api/refund-requests/",
        "/api/refund-requests/",
        "401  ok    ok    400   400   403   400   400   ok",
    ),
    (
        "GET",
        "api/refund-requests/{pk}/",
        "/api/refund-requests/{refund}/",
        "401  ok    ok    404   404   404   404   404   ok",
    ),
    (
        "POST",
        "api/refund-requests/{pk}/approve/",
        "/api/refund-requests/{refund}/approve/",
        "401  403   403   404   404   404   404   404   ok",
    ),
    (
        "POST",
        "api/refund-requests/{pk}/reject/",
        "/api/refund-requests/{refund}/reject/",
        "401  403   403   404   404   404   404   404   ok",
    ),
    # --- reports --------------------------------------------------------------------------
    (
        "GET",
        "api/reports/courses/{course_id}/attendance/",
        "/api/reports/courses/{course}/attendance/",
        ADMIN_ONLY,
    ),
    ("GET", "api/reports/finance/", "/api/reports/finance/?season={season}", ADMIN_ONLY),
    (
        "GET",
        "api/reports/instructor-attendance/",
        "/api/reports/instructor-attendance/?month=2026-11",
        ADMIN_ONLY,
    ),
    ("GET", "api/dashboard/", "/api/dashboard/", ADMIN_ONLY),
    # --- the landing page (§6.11): public, read only ---------------------------------------
    ("GET", "api/landing/", "/api/landing/", EVERYONE),
    # --- photos and files (multipart bodies: tests/authorization_bodies.py) ---------------
    ("PUT", "auth/users/me/photo/", "/auth/users/me/photo/", SIGNED_IN),
    ("DELETE", "auth/users/me/photo/", "/auth/users/me/photo/", SIGNED_IN),
    (
        "PUT",
        "api/children/{pk}/photo/",
        "/api/children/{child}/photo/",
        "401  ok    ok    404   404   404   404   404   ok",
    ),
    (
        "DELETE",
        "api/children/{pk}/photo/",
        "/api/children/{child}/photo/",
        "401  ok    ok    404   404   404   404   404   ok",
    ),
    (
        "PUT",
        "api/instructors/{pk}/photo/",
        "/api/instructors/{instructor_profile}/photo/",
        ADMIN_ONLY,
    ),
    (
        "DELETE",
        "api/instructors/{pk}/photo/",
        "/api/instructors/{instructor_profile}/photo/",
        ADMIN_ONLY,
    ),
    ("PUT", "api/courses/{pk}/image/", "/api/courses/{course}/image/", ADMIN_ONLY),
    ("DELETE", "api/courses/{pk}/image/", "/api/courses/{course}/image/", ADMIN_ONLY),
    # --- memories (§6.9): ``memory`` is a family post by ``instructor`` tagging ``child`` --
    ("GET", "api/memories/", "/api/memories/", SIGNED_IN),
    (
        "POST",
        "api/memories/",
        "/api/memories/",
        "401  403   403   403   403   ok    403   403   ok",
    ),
    (
        "GET",
        "api/memories/{pk}/",
        "/api/memories/{memory}/",
        "401  ok    ok    404   404   ok    404   404   ok",
    ),
    (
        "PATCH",
        "api/memories/{pk}/",
        "/api/memories/{memory}/",
        "401  403   403   404   404   ok    404   404   ok",
    ),
    (
        "DELETE",
        "api/memories/{pk}/",
        "/api/memories/{memory}/",
        "401  403   403   404   404   ok    404   404   ok",
    ),
    (
        "POST",
        "api/memories/{pk}/untag/",
        "/api/memories/{memory}/untag/",
        "401  ok    ok    404   404   403   403   403   403",
    ),
    (
        "GET",
        "api/memories/participants/",
        "/api/memories/participants/?q=Om",
        "401  403   403   403   403   ok    ok    ok    ok",
    ),
    # --- online courses (§6.10): ``online_course`` is published, ``child`` (its parents')
    # and ``student`` have access; ``online_lesson`` is not a preview; no progress yet.
    ("GET", "api/online-courses/", "/api/online-courses/", EVERYONE),
    ("POST", "api/online-courses/", "/api/online-courses/", ADMIN_ONLY),
    ("GET", "api/online-courses/{pk}/", "/api/online-courses/{online_course}/", EVERYONE),
    ("PATCH", "api/online-courses/{pk}/", "/api/online-courses/{online_course}/", ADMIN_ONLY),
    (
        "DELETE",
        "api/online-courses/{pk}/",
        "/api/online-courses/{online_course}/",
        "401  403   403   403   403   403   403   403   409",
    ),
    (
        "PUT",
        "api/online-courses/{pk}/image/",
        "/api/online-courses/{online_course}/image/",
        ADMIN_ONLY,
    ),
    (
        "DELETE",
        "api/online-courses/{pk}/image/",
        "/api/online-courses/{online_course}/image/",
        ADMIN_ONLY,
    ),
    (
        "POST",
        "api/online-courses/{pk}/lessons/",
        "/api/online-courses/{online_course}/lessons/",
        ADMIN_ONLY,
    ),
    # Parents name their child with ?child= (this URL names none: no participant, no access;
    # with ?child= the parents get the lesson and everyone else a 404: online_courses/tests).
    (
        "GET",
        "api/online-courses/{pk}/lessons/{lesson_id}/",
        "/api/online-courses/{online_course}/lessons/{online_lesson}/",
        "403  403   403   403   ok    403   403   403   ok",
    ),
    (
        "PATCH",
        "api/online-courses/{pk}/lessons/{lesson_id}/",
        "/api/online-courses/{online_course}/lessons/{online_lesson}/",
        ADMIN_ONLY,
    ),
    (
        "DELETE",
        "api/online-courses/{pk}/lessons/{lesson_id}/",
        "/api/online-courses/{online_course}/lessons/{online_lesson}/",
        ADMIN_ONLY,
    ),
    # Parents report for ``child``, the other parent for ``other_child`` (who has no access).
    (
        "POST",
        "api/online-courses/{pk}/lessons/{lesson_id}/progress/",
        "/api/online-courses/{online_course}/lessons/{online_lesson}/progress/",
        "401  ok    ok    403   ok    403   403   403   403",
    ),
    (
        "PUT",
        "api/online-courses/{pk}/lessons/{lesson_id}/video/",
        "/api/online-courses/{online_course}/lessons/{online_lesson}/video/",
        ADMIN_ONLY,
    ),
    (
        "POST",
        "api/online-courses/{pk}/lessons/{lesson_id}/materials/",
        "/api/online-courses/{online_course}/lessons/{online_lesson}/materials/",
        ADMIN_ONLY,
    ),
    (
        "DELETE",
        "api/online-courses/{pk}/lessons/{lesson_id}/materials/{material_id}/",
        "/api/online-courses/{online_course}/lessons/{online_lesson}/materials/{online_material}/",
        ADMIN_ONLY,
    ),
    # Stored files: public ones by name, private ones only with a valid signature.
    (
        "GET",
        "media/{name}",
        "/media/no/such.png",
        "404  404   404   404   404   404   404   404   404",
    ),
    (
        "GET",
        "files/{name}",
        "/files/no/such.png",
        "403  403   403   403   403   403   403   403   403",
    ),
]

# Every route of the admin site (/courses-admin/…) is for staff only; the sweep checks that
# with these pages: others are sent to the login page (302), staff get the page.
ADMIN_SITE_PAGES = [
    "/courses-admin/",
    "/courses-admin/courses/course/",
    "/courses-admin/courses/course/{course}/change/",
    "/courses-admin/users/child/{child}/change/",
    "/courses-admin/enrollments_payments/payment/",
]
ADMIN_SITE_LOGIN = "courses-admin/login/"

__all__ = ["ADMIN_SITE_LOGIN", "ADMIN_SITE_PAGES", "BODIES", "ROWS"]
