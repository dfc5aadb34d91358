"""References between objects in the API schema: which endpoint's id an id field holds.

The rule (docs/api.md, "References"): a field that refers to another object holds the id
that object's own endpoint uses, and the schema says which endpoint. Every such field
carries ``x-id-of`` — the path of that endpoint (``/api/instructors/{id}/``) — and a
description naming it, so a client never has to guess whether ``instructor`` is a user's
id or an instructor's.

Where it comes from:

- a related field of a model serializer (``PrimaryKeyRelatedField``, or an integer field
  whose ``source`` walks a foreign key such as ``primary_parent_id``): the related model;
- any other field: ``id_of`` on the field (``RefIdField(id_of="users.Instructor")``);
- a participant, whose id is a child's or a student's according to its ``type``:
  ``id_of=PARTICIPANT``.

``AutoSchema`` marks the fields with the model's label; :func:`postprocess_id_references`
turns the label into the endpoint's path once every endpoint is known.
"""

from __future__ import annotations

from django.db import models
from rest_framework import serializers

# The id of a participant: a child's (``type`` "child") or a student's ("student").
PARTICIPANT = "participant"
PARTICIPANT_PATHS = {"child": "/api/children/{id}/", "student": "/api/students/{id}/"}

ID_OF = "x-id-of"
_LABEL = "x-id-of-model"


class RefIdField(serializers.IntegerField):
    """An integer id of another object that is not a model relation of the serializer
    (a figure built from a dict, an id checked by the service): ``id_of`` names its model
    (``"users.Instructor"``) or :data:`PARTICIPANT`."""

    def __init__(self, *, id_of: str, **kwargs) -> None:
        self.id_of = id_of
        super().__init__(**kwargs)


def ref_serializer(id_of: str, name: str, *, name_source: str = "name", extra: dict | None = None):
    """A read-only ``{id, name}`` serializer class (its schema component is ``name``) whose
    ``id`` refers to ``id_of``; ``name_source`` is where an object keeps its name, ``extra``
    adds fields (a child's ``code``)."""
    attrs = {
        "id": RefIdField(id_of=id_of, read_only=True),
        "name": serializers.CharField(
            read_only=True, **({"source": name_source} if name_source != "name" else {})
        ),
        **(extra or {}),
        "__module__": __name__,
        "__doc__": f"A reference: the id and the name of a {_english(id_of)}.",
    }
    return type(name, (serializers.Serializer,), attrs)


def referenced_model(field) -> str | None:
    """The label (``users.Instructor``) of the model whose id ``field`` holds, the
    participant marker, or None when the field is no reference."""
    explicit = getattr(field, "id_of", None)
    if explicit:
        return explicit
    if isinstance(field, serializers.ManyRelatedField):
        field = field.child_relation
    if isinstance(field, serializers.PrimaryKeyRelatedField) and field.queryset is not None:
        return field.queryset.model._meta.label
    if not isinstance(
        field,
        (serializers.PrimaryKeyRelatedField, serializers.IntegerField, serializers.ReadOnlyField),
    ):
        return None
    if getattr(field, "field_name", None) == "id":
        return None
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or source == "*":
        return None
    return _related_label(model, source.split("."))


def filter_target(view, name: str) -> str | None:
    """The label of the model a view's query filter ``name`` takes an id of, or None."""
    filterset = getattr(view, "filterset_class", None)
    model = getattr(getattr(filterset, "Meta", None), "model", None) or _view_model(type(view))
    if model is None:
        return None
    declared = getattr(filterset, "base_filters", {}).get(name)
    path = getattr(declared, "field_name", None) or name
    return _related_label(model, path.split("__"))


def _related_label(model, parts: list[str]) -> str | None:
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        name = part[:-3] if last and part.endswith("_id") else part
        try:
            model_field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a property or a method: not a relation
            return None
        if not model_field.is_relation or model_field.related_model is None:
            return None
        model = model_field.related_model
        if last and (part.endswith("_id") or isinstance(model_field, models.ForeignKey)):
            return model._meta.label
    return None


def mark(schema: dict, label: str | None) -> dict:
    """Tag the integer (or the array's integer items) with the model's label."""
    if not label or not isinstance(schema, dict):
        return schema
    target = schema.get("items") if schema.get("type") == "array" else schema
    if isinstance(target, dict) and target.get("type") == "integer":
        target[_LABEL] = label
    return schema


def detail_paths(generator) -> dict[str, str]:
    """Model label → the path of its one-object GET (``/api/instructors/{id}/``)."""
    found: dict[str, str] = {}
    for path, _regex, method, callback in generator.endpoints or ():
        if method != "GET" or not path.rstrip("/").endswith(("{id}", "{pk}")):
            continue
        view_cls = getattr(callback, "cls", None)
        model = _view_model(view_cls)
        if model is not None:
            found.setdefault(model._meta.label, path.replace("{pk}", "{id}"))
    return found


def _view_model(view_cls):
    queryset = getattr(view_cls, "queryset", None)
    if queryset is not None:
        return queryset.model
    for declared in ("serializer_class", "filterset_class"):
        model = getattr(getattr(getattr(view_cls, declared, None), "Meta", None), "model", None)
        if model is not None:
            return model
    return None


def _walk(node, visit) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def postprocess_id_references(result, generator, **kwargs):
    """Replace each field's model label with the endpoint path in ``x-id-of`` and say it
    in the description. A model without a one-object endpoint keeps its label, which the
    schema test refuses."""
    paths = detail_paths(generator)

    def visit(node: dict) -> None:
        label = node.pop(_LABEL, None)
        if label is None:
            return
        if label == PARTICIPANT:
            node[ID_OF] = PARTICIPANT
            text = "Id of a child (/api/children/{id}/) or a student (/api/students/{id}/), as `type` says."
        else:
            target = paths.get(label, label)
            node[ID_OF] = target
            text = f"Id of the {_english(label)}: `GET {target}`."
        description = node.get("description")
        node["description"] = f"{description} {text}" if description else text

    _walk(result.get("components", {}), visit)
    _walk(result.get("paths", {}), visit)
    return result


def _english(label: str) -> str:
    if label == PARTICIPANT:
        return "participant (a child or a student, as ``type`` says)"
    # Not the model's verbose name: that one is translated, the schema is in English.
    name = label.split(".")[-1]
    return {"CustomUser": "user account", "StudentUser": "student"}.get(name, _words(name))


def _words(camel: str) -> str:
    out = []
    for char in camel:
        if char.isupper() and out:
            out.append(" ")
        out.append(char.lower())
    return "".join(out)


# The references the API nests (``{id, name}``); one component each.
UserRef = ref_serializer("users.CustomUser", "UserRef", name_source="get_full_name")
ParentRef = ref_serializer("users.Parent", "ParentRef", name_source="user.get_full_name")
InstructorRef = ref_serializer(
    "users.Instructor", "InstructorRef", name_source="user.get_full_name"
)
ChildRef = ref_serializer(
    "users.Child",
    "ChildRef",
    name_source="full_name",
    extra={"code": serializers.CharField(read_only=True)},
)
CourseRef = ref_serializer("courses.Course", "CourseRef")
LectureRef = ref_serializer("courses.Lecture", "LectureRef")
ParticipantRef = ref_serializer(
    PARTICIPANT,
    "ParticipantRef",
    extra={
        "type": serializers.ChoiceField(choices=["child", "student"], read_only=True),
        "code": serializers.CharField(read_only=True, required=False),
    },
)
