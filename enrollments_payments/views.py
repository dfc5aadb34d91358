"""/api/enrollment-requests/, /api/enrollments/, /api/payments/, /api/refund-requests/.

Role gates are in each ``permission_map``; who may touch which row is the services' rule
(``actor=``) and visibility is the selectors' (others' rows are 404).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.errors import Invalid
from core.permissions import AdminOnly, DeclaredPermissionsMixin, IsAdmin, is_admin
from courses.models import Course
from courses.selectors import instructor_of
from enrollments_payments import payment_services, selectors, services
from enrollments_payments.filters import (
    EnrollmentFilter,
    EnrollmentRequestFilter,
    PaymentFilter,
    RefundFilter,
)
from enrollments_payments.models import Enrollment, Payment
from enrollments_payments.serializers import (
    ApproveSerializer,
    BulkApproveResponseSerializer,
    BulkApproveSerializer,
    EnrollmentRequestCreateSerializer,
    EnrollmentRequestSerializer,
    EnrollmentSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
    RefundCreateSerializer,
    RefundRequestSerializer,
    RejectSerializer,
    VoidSerializer,
)
from online_courses.models import OnlineCourse
from users.models import Child

_READ_POST = ["get", "post", "head", "options"]


def _valid(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _named(model, data: dict, field: str):
    """The object whose id ``data[field]`` holds; None when the field is absent or null,
    ``400`` when no such object exists."""
    pk = data.get(field)
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise Invalid("invalid", _("Invalid pk."), field=field)
    return obj


# ?search= (SPEC §4: "where a name is searched"): the participant's name or code, the
# course's name. Foreign keys only, so no row is repeated and no DISTINCT is needed.
PARTICIPANT_SEARCH = [
    "course__name",
    "online_course__title",
    "child__first_name",
    "child__last_name",
    "child__code",
    "student__user__first_name",
    "student__user__last_name",
    "student__code",
]
ENROLLMENT_SEARCH = [f"enrollment__{field}" for field in PARTICIPANT_SEARCH]


class EnrollmentRequestViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Parents ask for their children, students for themselves; admins decide."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [IsAuthenticated],
        "cancel": [IsAuthenticated],
        "approve": [AdminOnly],
        "reject": [AdminOnly],
        "bulk_approve": [IsAdmin],
    }
    serializer_class = EnrollmentRequestSerializer
    http_method_names = _READ_POST
    filterset_class = EnrollmentRequestFilter
    search_fields = PARTICIPANT_SEARCH
    ordering_fields = ["created_at", "expires_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.requests_visible_to(self.request.user)

    def _read(self, obj) -> dict:
        return EnrollmentRequestSerializer(self.get_queryset().get(pk=obj.pk)).data

    @extend_schema(
        request=EnrollmentRequestCreateSerializer, responses={201: EnrollmentRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = _valid(EnrollmentRequestCreateSerializer, request)
        course = _named(Course, data, "course")
        online_course = _named(OnlineCourse, data, "online_course")
        child = None
        if data.get("child") is not None:
            # An unknown id reaches the service as an unsaved child that is nobody's, so it
            # gets the answer of another family's child (400 child_not_yours): the endpoint
            # does not tell which child ids exist.
            child = Child.objects.filter(pk=data["child"]).first() or Child(pk=data["child"])
        obj = services.enrollment_request_create(
            actor=request.user,
            course=course,
            online_course=online_course,
            child=child,
            note=data.get("note", ""),
        )
        return Response(self._read(obj), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=EnrollmentRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        obj = services.enrollment_request_cancel(request=self.get_object(), actor=request.user)
        return Response(self._read(obj))

    @extend_schema(request=ApproveSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        obj = self.get_object()
        data = _valid(ApproveSerializer, request)
        payment = data.get("payment")
        enrollment = services.enrollment_request_approve(
            request=obj,
            actor=request.user,
            price=data.get("price"),
            payment=payment_services.PaymentInput(**payment) if payment else None,
        )
        row = selectors.enrollments_visible_to(request.user).get(pk=enrollment.pk)
        return Response(EnrollmentSerializer(row).data)

    @extend_schema(request=RejectSerializer, responses=EnrollmentRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        obj = self.get_object()
        data = _valid(RejectSerializer, request)
        obj = services.enrollment_request_reject(
            request=obj, actor=request.user, reason=data.get("reason", "")
        )
        return Response(self._read(obj))

    @extend_schema(request=BulkApproveSerializer, responses=BulkApproveResponseSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-approve")
    def bulk_approve(self, request):
        data = _valid(BulkApproveSerializer, request)
        results = services.enrollment_requests_bulk_approve(ids=data["ids"], actor=request.user)
        return Response(
            {
                "approved": sum(1 for r in results if r.status == 200),
                "failed": sum(1 for r in results if r.status != 200),
                "results": [
                    {"id": r.id, "status": r.status, "code": r.code, "enrollment": r.enrollment}
                    for r in results
                ],
            }
        )


class EnrollmentViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Enrollments with ``progress`` and, except for instructors, money."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "drop": [IsAuthenticated],
    }
    serializer_class = EnrollmentSerializer
    http_method_names = _READ_POST
    filterset_class = EnrollmentFilter
    search_fields = PARTICIPANT_SEARCH
    ordering_fields = ["enrolled_at", "id"]
    ordering = ["-enrolled_at", "-id"]

    def get_queryset(self):
        return selectors.enrollments_visible_to(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        context["money"] = is_admin(user) or instructor_of(user) is None
        return context

    @extend_schema(request=None, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def drop(self, request, pk=None):
        enrollment = services.enrollment_drop(enrollment=self.get_object(), actor=request.user)
        row = self.get_queryset().get(pk=enrollment.pk)
        return Response(self.get_serializer(row).data)


class PaymentViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Money received. Recorded and voided by admins; never deleted (no DELETE route)."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [IsAdmin],
        "void": [AdminOnly],
    }
    serializer_class = PaymentSerializer
    http_method_names = _READ_POST
    filterset_class = PaymentFilter
    search_fields = [*ENROLLMENT_SEARCH, "reference"]
    ordering_fields = ["paid_at", "amount", "id"]
    ordering = ["-paid_at", "-id"]

    def get_queryset(self):
        return selectors.payments_visible_to(self.request.user)

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    def create(self, request, *args, **kwargs):
        data = _valid(PaymentCreateSerializer, request)
        enrollment = Enrollment.objects.filter(pk=data.pop("enrollment")).first()
        if enrollment is None:
            raise Invalid("invalid", _("Invalid pk."), field="enrollment")
        payment = payment_services.payment_record(
            enrollment=enrollment, actor=request.user, data=payment_services.PaymentInput(**data)
        )
        row = self.get_queryset().get(pk=payment.pk)
        return Response(PaymentSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VoidSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        payment: Payment = self.get_object()
        data = _valid(VoidSerializer, request)
        payment = payment_services.payment_void(
            payment=payment, actor=request.user, reason=data["reason"]
        )
        return Response(PaymentSerializer(self.get_queryset().get(pk=payment.pk)).data)


class RefundRequestViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Refunds asked by the payer (or an admin) and decided by admins."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [IsAuthenticated],
        "approve": [AdminOnly],
        "reject": [AdminOnly],
    }
    serializer_class = RefundRequestSerializer
    http_method_names = _READ_POST
    filterset_class = RefundFilter
    search_fields = ENROLLMENT_SEARCH
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.refunds_visible_to(self.request.user)

    def _read(self, obj) -> dict:
        return RefundRequestSerializer(self.get_queryset().get(pk=obj.pk)).data

    @extend_schema(request=RefundCreateSerializer, responses={201: RefundRequestSerializer})
    def create(self, request, *args, **kwargs):
        data = _valid(RefundCreateSerializer, request)
        enrollment = (
            selectors.enrollments_visible_to(request.user).filter(pk=data["enrollment"]).first()
        )
        if enrollment is None:
            raise Invalid("invalid", _("Invalid pk."), field="enrollment")
        refund = payment_services.refund_request_create(
            enrollment=enrollment,
            actor=request.user,
            amount=data["amount"],
            reason=data.get("reason", ""),
        )
        return Response(self._read(refund), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=RefundRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        refund = payment_services.refund_request_approve(
            refund=self.get_object(), actor=request.user
        )
        return Response(self._read(refund))

    @extend_schema(request=RejectSerializer, responses=RefundRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        refund = self.get_object()
        data = _valid(RejectSerializer, request)
        refund = payment_services.refund_request_reject(
            refund=refund, actor=request.user, reason=data.get("reason", "")
        )
        return Response(self._read(refund))
