"""/api/course-ratings/: GET the ratings you may read, POST to rate a course or an online
course (or to change your rating)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.permissions import DeclaredPermissionsMixin
from courses.filters import CourseRatingFilter
from courses.rating_selectors import (
    course_ratings_visible_to,
    rateable_courses,
    rateable_online_courses,
)
from courses.rating_serializers import CourseRatingSerializer, CourseRatingWriteSerializer
from courses.rating_services import course_rating_save
from users.selectors import children_visible_to


class CourseRatingViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A student, or a parent for their child, rates a course or an online course the
    participant is or was enrolled in. POST again to change the rating (200). Everyone
    reads the ratings they gave; an instructor those of their own courses (without who
    gave them); admins all."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [IsAuthenticated],
    }
    serializer_class = CourseRatingSerializer
    filterset_class = CourseRatingFilter
    ordering_fields = ["updated_at", "rating", "id"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        return course_ratings_visible_to(self.request.user)

    @extend_schema(
        request=CourseRatingWriteSerializer,
        responses={200: CourseRatingSerializer, 201: CourseRatingSerializer},
    )
    def create(self, request, *args, **kwargs):
        user = request.user
        serializer = CourseRatingWriteSerializer(
            data=request.data,
            context={
                "course_queryset": rateable_courses(user),
                "online_course_queryset": rateable_online_courses(user),
                "child_queryset": children_visible_to(user),
            },
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row, created = course_rating_save(
            rater=user,
            course=data.get("course"),
            online_course=data.get("online_course"),
            child=data.get("child"),
            rating=data["rating"],
            comment=data["comment"],
        )
        row = self.get_queryset().get(pk=row.pk)
        return Response(
            CourseRatingSerializer(row, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
