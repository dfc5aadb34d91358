"""/api/instructor-ratings/: GET the ratings you may read, POST to rate (or re-rate)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from attendance.rating_selectors import ratings_visible_to
from attendance.rating_serializers import (
    InstructorRatingSerializer,
    InstructorRatingWriteSerializer,
)
from attendance.rating_services import instructor_rating_save
from core.permissions import DeclaredPermissionsMixin
from users.selectors import children_visible_to


class InstructorRatingViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A student, or a parent for their child, rates the instructor of a course the
    participant is or was enrolled in. POST again to change the rating (200)."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [IsAuthenticated],
    }
    serializer_class = InstructorRatingSerializer
    filterset_fields = ["course", "instructor"]
    ordering_fields = ["updated_at", "rating", "id"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        return ratings_visible_to(self.request.user)

    @extend_schema(
        request=InstructorRatingWriteSerializer,
        responses={200: InstructorRatingSerializer, 201: InstructorRatingSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = InstructorRatingWriteSerializer(
            data=request.data,
            # Any course (an archived one can still be rated); the service checks that the
            # participant took part in it. Children: only those the caller sees.
            context={"child_queryset": children_visible_to(request.user)},
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row, created = instructor_rating_save(
            rater=request.user,
            course=data["course"],
            rating=data["rating"],
            comment=data["comment"],
            child=data.get("child"),
        )
        row = self.get_queryset().get(pk=row.pk)
        return Response(
            InstructorRatingSerializer(row, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
