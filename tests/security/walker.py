"""Discovers every URL pattern (Django's resolver) and every API operation (the OpenAPI schema), and fills their
path kwargs with ids of a chosen organisation's objects.

Used by the isolation and roles tests: a new URL pattern whose kwargs are not in ``KWARG_OBJECTS`` or
``KWARG_VALUES``, or a new API route missing from the schema, makes those tests fail until it is covered.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

# kwarg name -> the kind of object whose id fills it
KWARG_OBJECTS = {
    "journey_id": "journey",
    "moment_id": "moment",
    "survey_id": "survey",
    "upload_id": "upload",
    "run_id": "run",
    "organisation_id": "organisation",
    "membership_id": "membership",
}
# kwargs that are not ids: every listed value is tried
KWARG_VALUES = {"fmt": ["csv", "xlsx", "json"], "format": ["json"]}

# Public or own-only URLs the walker does not fill: they show no organisation's data (set_language: the
# language cookie and the user's own preference).
ALLOWED_NAMES = {"login", "logout", "set_language", "healthz", "api-schema", "api-docs", "api-token"}
ALLOWED_NAMESPACES = {"admin"}  # Django admin: staff only (tested separately)
ALLOWED_PREFIXES = ("static/", "media/", "__debug__/")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "moments:dashboard"; "" when the pattern has no name
    route: str  # the pattern as written, e.g. "journeys/<int:journey_id>/"
    kwargs: tuple[str, ...]
    namespaces: tuple[str, ...] = field(default=())

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def is_allowed_without_fill(self) -> bool:
        return (
            self.name in ALLOWED_NAMES
            or bool(set(self.namespaces) & ALLOWED_NAMESPACES)
            or self.route.startswith(ALLOWED_PREFIXES)
        )

    @property
    def schema_path(self) -> str:
        """The route in OpenAPI notation: ``/api/journeys/{journey_id}/``."""
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)


def _pattern_text(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    if isinstance(pattern, RegexPattern):
        return pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\", "")
    return str(pattern)


def _pattern_kwargs(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return []


def routes_discover(resolver: URLResolver | None = None, prefix: str = "", kwargs=(), namespaces=()) -> list[Route]:
    """Every URL pattern reachable from the root URLconf, recursively through includes."""
    resolver = resolver or get_resolver()
    found: list[Route] = []
    for entry in resolver.url_patterns:
        text = prefix + _pattern_text(entry.pattern)
        entry_kwargs = (*kwargs, *_pattern_kwargs(entry.pattern))
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            found += routes_discover(entry, text, entry_kwargs, ns)
        elif isinstance(entry, URLPattern):
            name = ":".join([*namespaces, entry.name]) if entry.name else ""
            found.append(Route(name=name, route=text, kwargs=tuple(entry_kwargs), namespaces=tuple(namespaces)))
    return found


def route_unfillable_kwargs(route: Route) -> list[str]:
    return [k for k in route.kwargs if k not in KWARG_OBJECTS and k not in KWARG_VALUES]


@dataclass(frozen=True)
class Filled:
    """One concrete URL of a route: which of its id kwargs point at the foreign organisation."""

    route: Route
    url: str
    kwargs: dict
    foreign_kwargs: tuple[str, ...]

    @property
    def is_foreign(self) -> bool:
        return bool(self.foreign_kwargs)


def route_fill(route: Route, own: dict[str, int], foreign: dict[str, int]) -> Iterator[Filled]:
    """Every combination of own/foreign ids for the route's id kwargs (all own, and each mix with at least one
    foreign id: an own journey with a foreign moment is the classic hole), times every value of value kwargs."""
    id_kwargs = [k for k in route.kwargs if k in KWARG_OBJECTS]
    value_kwargs = [k for k in route.kwargs if k in KWARG_VALUES]
    for sides in itertools.product(("own", "foreign"), repeat=len(id_kwargs)):
        pairs = list(zip(id_kwargs, sides, strict=True))
        ids = {k: (own if side == "own" else foreign)[KWARG_OBJECTS[k]] for k, side in pairs}
        for values in itertools.product(*(KWARG_VALUES[k] for k in value_kwargs)):
            kwargs = {**ids, **dict(zip(value_kwargs, values, strict=True))}
            foreign_kwargs = tuple(k for k, side in pairs if side == "foreign")
            yield Filled(route, reverse(route.name, kwargs=kwargs), kwargs, foreign_kwargs)


# ---------------------------------------------------------------------------------------------------- OpenAPI
@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # "/api/journeys/{journey_id}/"
    operation: dict


def api_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def operations_discover(schema: dict) -> list[Operation]:
    return [
        Operation(method.upper(), path, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def schema_resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node:
        merged: dict = {"properties": {}, "required": []}
        for part in node["allOf"]:
            part = schema_resolve(schema, part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return node


# Names of body and query fields that refer to an object, and the kind of object.
FIELD_OBJECTS = {
    "journey": "journey",
    "journey_id": "journey",
    "survey": "survey",
    "survey_id": "survey",
    "surveys": "survey",
    "compare": "survey",
    "moment": "moment",
    "moment_id": "moment",
    "moments": "moment",
    "upload": "upload",
    "upload_id": "upload",
    "run": "run",
    "run_id": "run",
    "organisation": "organisation",
    "organisation_id": "organisation",
}


def body_from_schema(schema: dict, node: dict, foreign: dict[str, int]) -> dict:
    """A request body where every field that names an object carries a foreign id and the rest a plain value."""
    node = schema_resolve(schema, node)
    body: dict = {}
    for name, prop in node.get("properties", {}).items():
        prop = schema_resolve(schema, prop)
        if prop.get("readOnly"):
            continue
        kind = FIELD_OBJECTS.get(name)
        if kind is None and "type" not in prop and name not in node.get("required", []):
            continue  # free-form JSON (e.g. a mapping): a placeholder would fail validation before the checks
        if kind is not None:
            body[name] = [foreign[kind]] if prop.get("type") == "array" else foreign[kind]
        elif prop.get("format") == "binary":
            body[name] = "FILE"
        elif "enum" in prop:
            body[name] = prop["enum"][0]
        else:
            body[name] = {
                "string": "walker",
                "integer": 1,
                "number": 1.0,
                "boolean": True,
                "array": [],
                "object": {},
            }.get(prop.get("type"), "walker")
    return body


def query_from_operation(operation: dict, foreign: dict[str, int]) -> dict:
    return {
        p["name"]: foreign[FIELD_OBJECTS[p["name"]]]
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p["name"] in FIELD_OBJECTS
    }
