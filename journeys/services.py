"""Every write of journeys and moments, with ONE slug rule.

The slug rule: a slug is made once, when the journey or moment is created, from the explicit slug if one is given
(it must be free) or else from the name (``slugify``, at most 80 characters, ``journey`` / ``moment`` when the name
has no letter or digit). A slug made from a name that is already taken in its scope (the organisation for a journey,
the journey for a moment) gets the first free suffix ``-2``, ``-3``... Renaming never changes a slug, so links,
mapping files and the CLI keep working. Names are unique case-insensitively in the same scope, because imports
match columns to moments by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from audit.models import AuditAction
from audit.services import audit_record
from cxapp.models import Organisation

from .models import Journey, Moment

SLUG_MAX = 80


class JourneyError(ValueError):
    """A user error in a journey or moment write; ``field`` names the input it is about (for forms and APIs)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def slug_make(*, text: str, taken: Iterable[str], fallback: str) -> str:
    """The slug of ``text`` under the rule above: slugified, cut to 80, the first free ``-N`` suffix if taken."""
    taken = set(taken)
    base = slugify(text)[:SLUG_MAX].strip("-") or fallback
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug, n = f"{base[: SLUG_MAX - len(suffix)].rstrip('-')}{suffix}", n + 1
    return slug


def _explicit_slug(slug: str, *, taken: Iterable[str], what: str) -> str:
    clean = slugify(slug)[:SLUG_MAX]
    if not clean:
        raise JourneyError(gettext("Give a slug made of letters, digits or hyphens."), field="slug")
    if clean in set(taken):
        raise JourneyError(
            gettext("This organisation already has this slug.")
            if what == "organisation"
            else gettext("This journey already has this slug."),
            field="slug",
        )
    return clean


def _clean_name(name: str) -> str:
    name = (name or "").strip()[:200]
    if not name:
        raise JourneyError(gettext("Give a name."), field="name")
    return name


# ------------------------------------------------------------------------------------------------ journeys
def _name_key(name: str) -> str:
    """How names are compared: case and runs of whitespace do not count."""
    return " ".join(name.split()).casefold()


def _journey_name_check(*, organisation: Organisation, name: str, exclude: int | None = None) -> None:
    names = Journey.objects.filter(organisation=organisation).exclude(pk=exclude).values_list("name", flat=True)
    if _name_key(name) in {_name_key(other) for other in names}:
        raise JourneyError(gettext("Your organisation already has a journey with this name."), field="name")


@transaction.atomic
def journey_create(*, organisation: Organisation, name: str, slug: str | None = None, description: str = "") -> Journey:
    name = _clean_name(name)
    _journey_name_check(organisation=organisation, name=name)
    taken = Journey.objects.filter(organisation=organisation).values_list("slug", flat=True)
    if slug:
        slug = _explicit_slug(slug, taken=taken, what="organisation")
    else:
        slug = slug_make(text=name, taken=taken, fallback="journey")
    return Journey.objects.create(organisation=organisation, name=name, slug=slug, description=description or "")


@transaction.atomic
def journey_update(
    *, journey: Journey, name: str | None = None, slug: str | None = None, description: str | None = None
) -> Journey:
    """Renames or re-describes ``journey``. A rename keeps the slug; only an explicit ``slug`` changes it."""
    if slug is not None and slug != journey.slug:
        taken = Journey.objects.filter(organisation=journey.organisation).exclude(pk=journey.pk)
        journey.slug = _explicit_slug(slug, taken=taken.values_list("slug", flat=True), what="organisation")
    if name is not None:
        journey.name = _clean_name(name)
        _journey_name_check(organisation=journey.organisation, name=journey.name, exclude=journey.pk)
    if description is not None:
        journey.description = description
    journey.save(update_fields=["name", "slug", "description"])
    return journey


@transaction.atomic
def journey_delete(*, journey: Journey) -> None:
    """Deletes the journey with its moments, waves, responses, uploads and runs (all cascade; the uploads' stored
    files go after commit: ``surveys.retention``)."""
    audit_record(action=AuditAction.JOURNEY_DELETE, organisation_id=journey.organisation_id, target=journey)
    journey.delete()


@transaction.atomic
def journey_get_or_create(*, organisation: Organisation, slug: str, name: str | None = None) -> Journey:
    """The journey ``slug`` of ``organisation``, created when new (named ``name`` or after the slug). Imports use it:
    here the slug is what the analyst typed, so it is taken as given (slugified), never suffixed."""
    clean = slugify(slug)[:SLUG_MAX]
    if not clean:
        raise JourneyError(gettext("The journey needs a slug made of letters, digits or hyphens."), field="slug")
    journey = Journey.objects.filter(organisation=organisation, slug=clean).first()
    if journey is not None:
        return journey
    name = _clean_name(name or clean.replace("-", " ").capitalize())
    if Journey.objects.filter(organisation=organisation, name__iexact=name).exists():
        name = f"{name} ({clean})"[:200]
    return Journey.objects.create(organisation=organisation, name=name, slug=clean)


# ------------------------------------------------------------------------------------------------ moments
def _moment_name_check(*, journey: Journey, name: str, exclude: int | None = None) -> None:
    names = Moment.objects.filter(journey=journey).exclude(pk=exclude).values_list("name", flat=True)
    if _name_key(name) in {_name_key(other) for other in names}:
        raise JourneyError(gettext("This journey already has a moment with this name."), field="name")


def _aliases_clean(aliases: Iterable[str] | None) -> list[str]:
    seen: list[str] = []
    for alias in aliases or []:
        alias = " ".join(str(alias).split())
        if alias and alias.casefold() not in {s.casefold() for s in seen}:
            seen.append(alias)
    return seen


MOMENT_FIELDS = ("stage", "position", "description", "is_brand_moment", "aliases")


@transaction.atomic
def moment_create(
    *,
    journey: Journey,
    name: str,
    slug: str | None = None,
    stage: str = "",
    position: int | None = None,
    description: str = "",
    is_brand_moment: bool = False,
    aliases: Sequence[str] | None = None,
) -> Moment:
    """A new moment of ``journey``; without a position it goes at the end of the journey."""
    name = _clean_name(name)
    _moment_name_check(journey=journey, name=name)
    existing = Moment.objects.filter(journey=journey)
    taken = existing.values_list("slug", flat=True)
    if slug:
        slug = _explicit_slug(slug, taken=taken, what="journey")
    else:
        slug = slug_make(text=name, taken=taken, fallback="moment")
    if position is None:
        position = max(existing.values_list("position", flat=True), default=0) + 1
    return Moment.objects.create(
        journey=journey,
        name=name,
        slug=slug,
        stage=stage or "",
        position=position,
        description=description or "",
        is_brand_moment=is_brand_moment,
        aliases=_aliases_clean(aliases),
    )


@transaction.atomic
def moment_update(*, moment: Moment, name: str | None = None, slug: str | None = None, **fields) -> Moment:
    """Changes a moment's name or ``MOMENT_FIELDS``. A rename keeps the slug; only an explicit ``slug`` changes it."""
    unknown = set(fields) - set(MOMENT_FIELDS)
    if unknown:
        raise TypeError(f"moment_update() got unexpected fields: {', '.join(sorted(unknown))}")
    if slug is not None and slug != moment.slug:
        taken = Moment.objects.filter(journey=moment.journey).exclude(pk=moment.pk).values_list("slug", flat=True)
        moment.slug = _explicit_slug(slug, taken=taken, what="journey")
    if name is not None:
        moment.name = _clean_name(name)
        _moment_name_check(journey=moment.journey, name=moment.name, exclude=moment.pk)
    for key, value in fields.items():
        if key == "aliases":
            value = _aliases_clean(value)
        elif key in ("stage", "description"):
            value = value or ""
        setattr(moment, key, value)
    moment.save()
    return moment


@transaction.atomic
def moment_delete(*, moment: Moment) -> None:
    """Deletes the moment. Stored ratings keep their column: a wave's ``moment_ids`` only grows, and a column whose
    moment is gone is skipped when ratings are read."""
    audit_record(
        action=AuditAction.MOMENT_DELETE,
        organisation_id=moment.journey.organisation_id,
        target=moment,
        details={"journey": moment.journey.name},
    )
    moment.delete()


@transaction.atomic
def moments_ensure(*, journey: Journey, names: Sequence[str]) -> list[Moment]:
    """The journey's moments called ``names`` (in that order), creating the missing ones at the end of the journey.

    A name matches a moment's name case-insensitively, or its slug; a new moment's slug follows the slug rule.
    Two different names in ``names`` always give two different moments (never one moment for both).
    """
    existing = list(Moment.objects.select_for_update().filter(journey=journey))
    by_name = {_name_key(m.name): m for m in existing}
    by_slug = {m.slug: m for m in existing}
    position = max((m.position for m in existing), default=0)
    chosen: set[int] = set()
    out = []
    for raw in names:
        name = _clean_name(raw)
        moment = by_name.get(_name_key(name))
        if moment is None:
            candidate = by_slug.get(slugify(name)[:SLUG_MAX])
            # A slug match only counts when no other name of this call took that moment already.
            moment = candidate if candidate is not None and candidate.pk not in chosen else None
        if moment is None:
            position += 1
            slug = slug_make(text=name, taken=by_slug, fallback="moment")
            moment = Moment.objects.create(journey=journey, slug=slug, name=name, position=position)
            by_name[_name_key(name)] = by_slug[slug] = moment
        chosen.add(moment.pk)
        out.append(moment)
    return out
