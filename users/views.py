"""/api/ endpoints for people: children, parent links, instructors, students, parents."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core.permissions import DeclaredPermissionsMixin, IsAdmin, IsParentOnly, is_admin
from core.unset import UNSET
from users import selectors, services
from users.cards import participant_card
from users.models import Child, Instructor, ParentLinkRequest, PhotoConsent
from users.serializers.people import (
    ChildSerializer,
    InstructorAdminSerializer,
    InstructorPublicSerializer,
    ParentLinkRequestSerializer,
    ParentSerializer,
    StudentSerializer,
)
from users.throttles import ParentLinkThrottle
from users.views_cards import PdfDownload, card_schema, pdf_response


class ChildViewSet(DeclaredPermissionsMixin, viewsets.ModelViewSet):
    """A parent's children. Visible to every linked parent; edited by the primary parent
    (the service's rule, ``actor=``)."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [IsParentOnly],
        "partial_update": [IsAuthenticated],
        "destroy": [IsAuthenticated],
        "card": [IsAuthenticated],
    }

    serializer_class = ChildSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["gender"]
    search_fields = ["first_name", "last_name", "code"]
    ordering_fields = ["id", "first_name", "dob", "created_at"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.children_visible_to(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["parent"] = selectors.parent_of(self.request.user)
        return context

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.child_create(
            parent=selectors.parent_of(self.request.user),
            first_name=data["first_name"],
            last_name=data["last_name"],
            dob=data["dob"],
            gender=data["gender"],
            notes=data.get("notes", ""),
            photo_consent=data.get("photo_consent", PhotoConsent.FAMILY),
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.child_update(
            child=serializer.instance,
            actor=self.request.user,
            first_name=data.get("first_name", UNSET),
            last_name=data.get("last_name", UNSET),
            dob=data.get("dob", UNSET),
            gender=data.get("gender", UNSET),
            notes=data.get("notes", UNSET),
            photo_consent=data.get("photo_consent", UNSET),
        )

    def perform_destroy(self, instance: Child):
        services.child_delete(child=instance, actor=self.request.user)

    @card_schema("The child's card (PDF, 85.6 × 54 mm): its linked parents and admins.")
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=PdfDownload,
    )
    def card(self, request, pk=None):
        return pdf_response(participant_card(participant=self.get_object()))


class ParentLinkRequestViewSet(
    DeclaredPermissionsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ParentLinkRequestSerializer
    filterset_fields = ["status"]
    # Not the child's last name: a requester could search it to confirm a family.
    search_fields = [
        "child__first_name",
        "child__code",
        "requester__user__first_name",
        "requester__user__last_name",
    ]
    ordering = ["-id"]

    # Deciding is the primary parent's (or an admin's): the service checks ``by=``.
    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [IsParentOnly],
        "approve": [IsAuthenticated],
        "reject": [IsAuthenticated],
    }

    def get_throttles(self):
        # Random child codes must not be guessable at full speed (child_not_found).
        if self.action == "create":
            return [ParentLinkThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        return selectors.link_requests_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.parent_link_request_create(
            requester=selectors.parent_of(self.request.user),
            child_code=serializer.validated_data["child_code"],
        )

    @extend_schema(request=None, responses=ParentLinkRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        link: ParentLinkRequest = self.get_object()
        link = services.parent_link_request_approve(link=link, by=request.user)
        return Response(self.get_serializer(link).data)

    @extend_schema(request=None, responses=ParentLinkRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        link: ParentLinkRequest = self.get_object()
        link = services.parent_link_request_reject(link=link, by=request.user)
        return Response(self.get_serializer(link).data)


class InstructorFilter(filters.FilterSet):
    tag = filters.CharFilter(field_name="tags__name")

    class Meta:
        model = Instructor
        fields = ["kind"]


# The schema is the same for every caller: get_serializer_class() depends on who asks, so
# pin each operation's shapes (admins' list rows are a superset of the public ones).
@extend_schema_view(
    list=extend_schema(responses=InstructorPublicSerializer(many=True)),
    retrieve=extend_schema(responses=InstructorPublicSerializer),
    create=extend_schema(
        request=InstructorAdminSerializer, responses={201: InstructorAdminSerializer}
    ),
    partial_update=extend_schema(
        request=InstructorAdminSerializer, responses=InstructorAdminSerializer
    ),
)
class InstructorViewSet(
    DeclaredPermissionsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Public list of instructors; admins create and edit them."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = InstructorFilter
    search_fields = ["user__first_name", "user__last_name", "bio"]
    ordering_fields = ["id", "user__first_name"]
    ordering = ["id"]

    permission_map = {
        "list": [AllowAny],
        "retrieve": [AllowAny],
        "create": [IsAdmin],
        "partial_update": [IsAdmin],
    }

    def get_queryset(self):
        if is_admin(self.request.user):
            return selectors.instructors_for_admin()
        return selectors.instructors_public()

    def get_serializer_class(self):
        if is_admin(self.request.user):
            return InstructorAdminSerializer
        return InstructorPublicSerializer

    def create(self, request, *args, **kwargs):
        serializer = InstructorAdminSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        instructor = services.instructor_create(
            password=data["password"],
            phone_number1=data["phone_number1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone_number2=data.get("phone_number2"),
            email=data.get("email"),
            dob=data.get("dob"),
            gender=data.get("gender", ""),
            identity_number=data.get("identity_number"),
            bio=data.get("bio", ""),
            kind=data["kind"],
            fingerprint_id=data.get("fingerprint_id"),
        )
        return Response(
            InstructorAdminSerializer(instructor, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args, **kwargs):
        instructor = self.get_object()
        serializer = InstructorAdminSerializer(instructor, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        instructor = services.instructor_update(
            instructor=instructor,
            password=data.get("password"),
            phone_number1=data.get("phone_number1", UNSET),
            phone_number2=data.get("phone_number2", UNSET),
            email=data.get("email", UNSET),
            first_name=data.get("first_name", UNSET),
            last_name=data.get("last_name", UNSET),
            dob=data.get("dob", UNSET),
            gender=data.get("gender", UNSET),
            identity_number=data.get("identity_number", UNSET),
            bio=data.get("bio", UNSET),
            kind=data.get("kind", UNSET),
            fingerprint_id=data.get("fingerprint_id", UNSET),
        )
        return Response(InstructorAdminSerializer(instructor, context={"request": request}).data)


class StudentViewSet(DeclaredPermissionsMixin, viewsets.ReadOnlyModelViewSet):
    """Adult students: admins list and read them; a student also downloads their card."""

    permission_map = {"list": [IsAdmin], "retrieve": [IsAdmin], "card": [IsAuthenticated]}
    serializer_class = StudentSerializer
    search_fields = ["code", "user__first_name", "user__last_name", "user__phone_number1"]
    ordering_fields = ["id", "code"]
    ordering = ["id"]

    def get_queryset(self):
        if self.action == "card":
            return selectors.students_visible_to(self.request.user)
        return selectors.students_for_admin()

    @card_schema("The student's card (PDF, 85.6 × 54 mm): the student and admins.")
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=PdfDownload,
    )
    def card(self, request, pk=None):
        return pdf_response(participant_card(participant=self.get_object()))


class ParentViewSet(DeclaredPermissionsMixin, viewsets.ReadOnlyModelViewSet):
    permission_map = {"list": [IsAdmin], "retrieve": [IsAdmin]}
    serializer_class = ParentSerializer
    search_fields = ["user__first_name", "user__last_name", "user__phone_number1"]
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.parents_for_admin()
