"""The public camera register: "is there a camera in my street?", answered to anyone.

Anyone may ask, without signing in, which cameras their owners have marked public: per
street (grouped, with how many cameras there are), per municipality and area, or per
owner; each answer names the owner and its kind, the purpose, the legal basis, the
pictogram's text and the owner's DPO. It never gives a position, a camera's name, an id or
a stream address: the queries do not even read them, and cameras are grouped per street so
that one camera's name cannot be told from another's. Only cameras marked public, enabled
and not removed are listed; an owner publishes nothing until it marks a camera.

What a person types is checked here (length, letters, digits, spaces, hyphens, apostrophes
and dots only) and never reaches SQL: streets are matched in Python on a normalised form
(case, accents, punctuation, "straat"/"str." and the like). The public reads are not
recorded: they show no personal data, and recording who looked for which street would
itself track the public. An owner's changes (its profile, a camera's publication) pass the
gate as `transparency.profile` and are audited like every change.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.auth.models import Organisation
from belfort.cameras.models import Camera
from belfort.cameras.service import KIND_WORDS, CameraService
from belfort.errors import Conflict, InvalidInput, NotFound
from belfort.i18n import Message, _
from belfort.policy import Action, Actor, LegalRegime, PolicyGate, Resource, ResourceKind
from belfort.timeutil import Clock, utcnow
from belfort.transparency.register_models import CameraPublication, TransparencyProfile

SEARCH_MAX = 100
"""Longest street a person may type: the longest Belgian street names are about 60 characters."""
SEARCH_MIN = 3
"""Fewest letters and digits a search needs: fewer would list half the register."""
SEARCH_TEXT = re.compile(r"(?:[^\W_]|[ '\u2019.-])*")
"""What a search may hold: letters (with accents), digits, spaces, hyphens, apostrophes and dots."""
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,58})[a-z0-9]")
RESERVED_SLUGS = frozenset({"profile", "export", "cameras"})
"""Words of the register's own addresses (`/register/profile`), never an owner's page."""
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}")
PHONE = re.compile(r"\+?[0-9 ()./-]{6,40}")
STREET_KINDS = frozenset({"fixed", "anpr"})
"""Kinds that hang in one street, so the register lists them by it; the others (temporary,
mobile, drone, bodycam) may be listed for their municipality alone."""

POLICE_BASIS = _(
    "Police Function Act of 5 August 1992, articles 25/1 and following: visible cameras of the police, "
    "placed with the prior consent of the municipal council."
)
CAMERA_LAW_BASIS = _(
    "Law of 21 March 2007 on the placement and use of surveillance cameras (the camera law); the cameras "
    "are declared to the police services."
)
DEFAULT_BASIS: Mapping[str, Message] = {
    LegalRegime.POLICE.value: POLICE_BASIS,
    LegalRegime.CAMERA_LAW.value: CAMERA_LAW_BASIS,
}

OWNER_WORDS: Mapping[str, Message] = {
    "police_zone": _("police zone"),
    "city": _("city or municipality"),
    "business": _("business"),
    "transit": _("public transport"),
    "alarm_centre": _("alarm centre"),
    "other": _("other organisation"),
}
"""How the register names a kind of owner (the organisation's kind)."""

EXPORT_FIELDS = (
    "municipality",
    "area",
    "street",
    "cameras",
    "kinds",
    "purposes",
    "owner",
    "owner_type",
    "legal_basis",
    "pictogram",
    "dpo_name",
    "dpo_email",
    "dpo_phone",
    "dpo_address",
    "owner_page",
    "website",
)
"""The columns of the CSV export and the keys of each JSON row, in this order."""
LIST_SEPARATOR = "; "
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell beginning with one of these is a formula to a spreadsheet: it is quoted with `'`."""

_SUFFIXES = (("straat", "str"), ("strasse", "str"), ("steenweg", "stwg"))
_WORDS = {
    "str": "str",
    "stwg": "stwg",
    "stw": "stwg",
    "sint": "st",
    "saint": "st",
    "sankt": "st",
    "sainte": "ste",
    "avenue": "av",
    "ave": "av",
    "boulevard": "bd",
    "bld": "bd",
    "blvd": "bd",
    "chaussee": "chee",
}
HOUSE_NUMBER = re.compile(r"[0-9]{1,5}[a-z]?")


def words_of(text: str) -> list[str]:
    """`text` as lowercase words without accents or punctuation, each street word in one
    form ("Sint-Jansstraat" and "st. jansstr" give the same words)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    words = []
    for word in re.split(r"[\W_]+", plain):
        if not word:
            continue
        word = _WORDS.get(word, word)
        for suffix, short in _SUFFIXES:
            if word.endswith(suffix):
                word = word[: -len(suffix)] + short
                break
        words.append(word)
    return words


def place_key(text: str) -> str:
    """A street, area or municipality as the register compares it: its words run together,
    so that "Kerk straat", "Kerkstraat" and "KERKSTR." are one street."""
    return "".join(words_of(text))


def search_key(text: str) -> str:
    """What a typed street is matched with: `place_key`, without a house number at its end
    ("Kerkstraat 12" finds Kerkstraat)."""
    words = words_of(text)
    if len(words) > 1 and HOUSE_NUMBER.fullmatch(words[-1]):
        words = words[:-1]
    return "".join(words)


def _letters_only(label: Message) -> InvalidInput:
    return InvalidInput(_("{field}: use only letters, digits, spaces, hyphens, apostrophes and dots", field=label))


def checked_place(value: str, label: Message, minimum: int = 1) -> str:
    """A street, municipality or area a person typed, as its key; InvalidInput naming
    `label` when it is too long, holds anything but letters, digits, spaces, hyphens,
    apostrophes and dots, or has fewer than `minimum` letters and digits."""
    if len(value) > SEARCH_MAX:
        raise InvalidInput(_("{field}: at most {count} characters", field=label, count=SEARCH_MAX))
    if not SEARCH_TEXT.fullmatch(value):
        raise _letters_only(label)
    key = search_key(value)
    if len(key) < minimum:
        raise InvalidInput(_("{field}: type at least {count} letters or digits", field=label, count=minimum))
    return key


def checked_slug(value: str) -> str:
    """An owner's page name as typed in an address, or NotFound (the same for a malformed one
    as for one no owner has)."""
    slug = value.strip()
    if len(slug) > 60 or not SLUG.fullmatch(slug) or slug in RESERVED_SLUGS:
        raise NotFound(_("There is no owner '{owner}' in the register.", owner=slug[:60]))
    return slug


def slug_of(name: str) -> str:
    """A page name made from an organisation's name: "Politiezone Kortrijk" → "politiezone-kortrijk"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-")
    return slug if len(slug) >= 3 else f"owner-{slug}".strip("-")


@dataclass(frozen=True)
class RegisterQuery:
    """What a visitor asks: a street (part of its name), a municipality, an area, an owner's
    page name; each empty when not asked. `checked` turns typed text into keys."""

    street: str = ""
    municipality: str = ""
    area: str = ""
    owner: str = ""

    def checked(self) -> RegisterQuery:
        """The same question with each place as its key, or InvalidInput naming the field."""
        return RegisterQuery(
            street=checked_place(self.street, _("street"), SEARCH_MIN) if self.street.strip() else "",
            municipality=checked_place(self.municipality, _("municipality")) if self.municipality.strip() else "",
            area=checked_place(self.area, _("area")) if self.area.strip() else "",
            owner=checked_slug(self.owner) if self.owner.strip() else "",
        )

    @property
    def asked(self) -> bool:
        return bool(self.street or self.municipality or self.area or self.owner)


@dataclass(frozen=True)
class DpoContact:
    name: str
    email: str
    phone: str
    address: str


@dataclass(frozen=True)
class OwnerEntry:
    """What the register says of an owner: its page, name, kind, DPO, website, and the legal
    basis and pictogram texts (the law's own words where the owner wrote none)."""

    slug: str
    name: str
    kind: str
    dpo: DpoContact
    website: str
    legal_basis: Mapping[str, str]
    """Per legal regime (`police`, `camera_law`)."""
    pictogram: str

    @property
    def kind_words(self) -> str:
        return OWNER_WORDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class RegisterRow:
    """The cameras one owner has published in one street (or, for mobile kinds, in one
    municipality): never one camera apart, never where exactly, never by name."""

    municipality: str
    area: str
    street: str
    cameras: int
    kinds: tuple[str, ...]
    purposes: tuple[str, ...]
    regimes: tuple[str, ...]
    owner: OwnerEntry

    @property
    def legal_bases(self) -> tuple[str, ...]:
        return tuple(self.owner.legal_basis[regime] for regime in self.regimes)

    @property
    def kind_words(self) -> tuple[str, ...]:
        return tuple(KIND_WORDS.get(kind, kind) for kind in self.kinds)


@dataclass(frozen=True)
class Area:
    name: str
    key: str
    cameras: int


@dataclass(frozen=True)
class Municipality:
    """A municipality of the register, with its areas and how many public cameras each has."""

    name: str
    key: str
    cameras: int
    areas: tuple[Area, ...]


def _entry(profile: TransparencyProfile, kind: str) -> OwnerEntry:
    contact = profile.dpo_email or profile.dpo_phone
    return OwnerEntry(
        slug=profile.slug,
        name=profile.public_name,
        kind=kind,
        dpo=DpoContact(profile.dpo_name, profile.dpo_email, profile.dpo_phone, profile.dpo_address),
        website=profile.website,
        legal_basis={
            LegalRegime.POLICE.value: profile.legal_basis_police or POLICE_BASIS,
            LegalRegime.CAMERA_LAW.value: profile.legal_basis_camera_law or CAMERA_LAW_BASIS,
        },
        pictogram=profile.pictogram
        or _(
            "Camera surveillance. Controller: {owner}. Questions and access to your images: {contact}.",
            owner=profile.public_name,
            contact=contact,
        ),
    )


def places_of(rows: Iterable[RegisterRow]) -> list[Municipality]:
    """The municipalities and areas of `rows`, by name, with their numbers of cameras."""
    towns: dict[str, tuple[str, int, dict[str, tuple[str, int]]]] = {}
    for row in rows:
        key = place_key(row.municipality)
        name, count, areas = towns.get(key, (row.municipality, 0, {}))
        if row.area:
            area_key = place_key(row.area)
            area_name, area_count = areas.get(area_key, (row.area, 0))
            areas[area_key] = (area_name, area_count + row.cameras)
        towns[key] = (name, count + row.cameras, areas)
    return [
        Municipality(
            name, key, count, tuple(Area(a, k, n) for k, (a, n) in sorted(areas.items(), key=lambda item: item[0]))
        )
        for key, (name, count, areas) in sorted(towns.items(), key=lambda item: item[0])
    ]


def export_record(row: RegisterRow, say: Callable[[str], str], base_url: str = "") -> dict[str, Any]:
    """One row as the exports give it (`EXPORT_FIELDS`): kinds and owner types as codes,
    texts in the reader's language (`say`), the owner's page as an address under `base_url`."""
    owner = row.owner
    return {
        "municipality": row.municipality,
        "area": row.area,
        "street": row.street,
        "cameras": row.cameras,
        "kinds": list(row.kinds),
        "purposes": list(row.purposes),
        "owner": owner.name,
        "owner_type": owner.kind,
        "legal_basis": [say(text) for text in row.legal_bases],
        "pictogram": say(owner.pictogram),
        "dpo_name": owner.dpo.name,
        "dpo_email": owner.dpo.email,
        "dpo_phone": owner.dpo.phone,
        "dpo_address": owner.dpo.address,
        "owner_page": f"{base_url}/register/{owner.slug}",
        "website": owner.website,
    }


def _cell(value: Any) -> str:
    text = LIST_SEPARATOR.join(value) if isinstance(value, list) else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def export_csv(records: Sequence[Mapping[str, Any]]) -> str:
    """Records of `export_record` as CSV (a header, then one line each); lists are joined
    with "; ", and a cell a spreadsheet would run as a formula is quoted with `'`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_FIELDS)
    for record in records:
        writer.writerow([_cell(record[name]) for name in EXPORT_FIELDS])
    return out.getvalue()


# -- what an owner states ----------------------------------------------------------------


@dataclass
class ProfileSpec:
    """What an owner states of itself in the register; None keeps the stored value."""

    slug: str | None = None
    public_name: str | None = None
    dpo_name: str | None = None
    dpo_email: str | None = None
    dpo_phone: str | None = None
    dpo_address: str | None = None
    legal_basis_police: str | None = None
    """Empty: the law's own words."""
    legal_basis_camera_law: str | None = None
    pictogram: str | None = None
    website: str | None = None

    def named(self) -> list[str]:
        """The fields this spec sets, for the audit record."""
        return sorted(f.name for f in fields(self) if getattr(self, f.name) is not None)


@dataclass
class PublicationSpec:
    """Whether a camera is listed, and what the register says of it; None keeps the stored value."""

    public: bool | None = None
    municipality: str | None = None
    purpose: str | None = None

    def named(self) -> list[str]:
        return sorted(f.name for f in fields(self) if getattr(self, f.name) is not None)


@dataclass(frozen=True)
class OwnCamera:
    """One of the owner's cameras as its register page lists it for the owner (the owner
    knows its cameras' names: they are its own)."""

    id: uuid.UUID
    name: str
    street: str
    area: str
    kind: str
    enabled: bool
    publication: CameraPublication | None = field(default=None)

    @property
    def public(self) -> bool:
        return self.publication is not None and self.publication.public

    @classmethod
    def of(cls, camera: Camera, publication: CameraPublication | None) -> OwnCamera:
        return cls(camera.id, camera.name, camera.street, camera.area, camera.kind, camera.enabled, publication)


def _text(value: str, label: Message, limit: int, required: bool = False) -> str:
    """`value` stripped, or InvalidInput naming `label` when too long or required and empty."""
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(_("{field}: at most {count} characters", field=label, count=limit))
    if required and not value:
        raise InvalidInput(_("{field}: fill it in", field=label))
    return value


class RegisterService:
    def __init__(self, gate: PolicyGate, cameras: CameraService, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.cameras = cameras
        self._clock = clock

    # -- what anyone may read ------------------------------------------------------------

    def rows(self, session: Session, query: RegisterQuery = RegisterQuery()) -> list[RegisterRow]:
        """The register's rows that answer `query` (checked here: InvalidInput names the field
        at fault), by municipality, area and street."""
        asked = query.checked()
        statement = (
            select(
                Camera.street,
                Camera.area,
                Camera.kind,
                Camera.legal_regime,
                CameraPublication.municipality,
                CameraPublication.purpose,
                Organisation.kind,
                TransparencyProfile,
            )
            .join(CameraPublication, CameraPublication.camera_id == Camera.id)
            .join(Organisation, Organisation.id == Camera.organisation_id)
            .join(TransparencyProfile, TransparencyProfile.organisation_id == Camera.organisation_id)
            .where(CameraPublication.public.is_(True), Camera.enabled.is_(True), Camera.removed_at.is_(None))
        )
        if asked.owner:
            statement = statement.where(TransparencyProfile.slug == asked.owner)
        groups: dict[tuple[str, str, str, str], list[Any]] = {}
        owners: dict[str, OwnerEntry] = {}
        for street, area, kind, regime, municipality, purpose, owner_kind, profile in session.execute(statement):
            keys = (place_key(municipality), place_key(area), place_key(street))
            if asked.street and asked.street not in keys[2]:
                continue
            if (asked.municipality and asked.municipality != keys[0]) or (asked.area and asked.area != keys[1]):
                continue
            owner = owners.setdefault(profile.slug, _entry(profile, owner_kind))
            groups.setdefault((*keys, owner.slug), []).append((municipality, area, street, kind, regime, purpose))
        rows = []
        for (*_keys, slug), cameras in sorted(groups.items(), key=lambda item: (*item[0][:3], owners[item[0][3]].name)):
            municipality, area, street = min((c[0], c[1], c[2]) for c in cameras)
            rows.append(
                RegisterRow(
                    municipality=municipality,
                    area=area,
                    street=street,
                    cameras=len(cameras),
                    kinds=tuple(sorted({c[3] for c in cameras})),
                    purposes=tuple(sorted({c[5] for c in cameras})),
                    regimes=tuple(sorted({c[4] for c in cameras})),
                    owner=owners[slug],
                )
            )
        return rows

    def owners(self, session: Session) -> list[OwnerEntry]:
        """Every owner with a register profile, by name: whom to ask about its cameras."""
        statement = select(TransparencyProfile, Organisation.kind).join(
            Organisation, Organisation.id == TransparencyProfile.organisation_id
        )
        entries = [_entry(profile, kind) for profile, kind in session.execute(statement)]
        return sorted(entries, key=lambda entry: entry.name.casefold())

    def owner(self, session: Session, slug: str) -> OwnerEntry:
        """The owner whose page is `/register/<slug>`, or NotFound."""
        wanted = checked_slug(slug)
        found = session.execute(
            select(TransparencyProfile, Organisation.kind)
            .join(Organisation, Organisation.id == TransparencyProfile.organisation_id)
            .where(TransparencyProfile.slug == wanted)
        ).first()
        if found is None:
            raise NotFound(_("There is no owner '{owner}' in the register.", owner=wanted))
        return _entry(found[0], found[1])

    # -- what an owner changes -----------------------------------------------------------

    @staticmethod
    def profile_of(session: Session, organisation_id: uuid.UUID | None) -> TransparencyProfile | None:
        """The register profile of an organisation, if it has one (it is public)."""
        return session.get(TransparencyProfile, organisation_id) if organisation_id else None

    @staticmethod
    def publication_of(session: Session, camera_id: uuid.UUID) -> CameraPublication | None:
        """What the register says of a camera, for its owner's forms (None: never published)."""
        return session.get(CameraPublication, camera_id)

    def own_organisation(self, session: Session, actor: Actor, where: str) -> Organisation:
        """The organisation whose register entry the actor edits, once the gate lets its role
        edit one at all (`where`: the page or command); refused and recorded otherwise."""
        self.gate.require_function(session, actor, where, Action.EDIT_TRANSPARENCY)
        organisation = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
        if organisation is None:
            raise InvalidInput(_("organisation: name the organisation whose register entry you edit"))
        return organisation

    def own_cameras(self, session: Session, actor: Actor) -> list[OwnCamera]:
        """The cameras of the actor's organisation (not removed), by name, with what the
        register says of each: for the owner's register page."""
        organisation = self.own_organisation(session, actor, "/register/profile")
        cameras = session.scalars(
            select(Camera)
            .where(Camera.organisation_id == organisation.id, Camera.removed_at.is_(None))
            .order_by(Camera.name)
        ).all()
        publications = {
            p.camera_id: p
            for p in session.scalars(
                select(CameraPublication).where(CameraPublication.camera_id.in_([c.id for c in cameras]))
            )
        }
        return [OwnCamera.of(camera, publications.get(camera.id)) for camera in cameras]

    def save_profile(self, session: Session, actor: Actor, spec: ProfileSpec) -> TransparencyProfile:
        """Create or change the register profile of the actor's organisation: one audited
        decision of the gate (`transparency.profile`), then the checks of each field."""
        organisation = self.own_organisation(session, actor, "/register/profile")
        self.gate.require(
            session,
            actor,
            Action.EDIT_TRANSPARENCY,
            Resource(
                ResourceKind.TRANSPARENCY_PROFILE,
                str(organisation.id),
                organisation.name,
                organisation.id,
                owner_name=organisation.name,
            ),
            detail={"change": "profile", "fields": ",".join(spec.named())},
        )
        profile = session.get(TransparencyProfile, organisation.id)
        if profile is None:
            profile = TransparencyProfile(
                organisation_id=organisation.id,
                slug=slug_of(organisation.name),
                public_name=organisation.name,
                dpo_name="",
                dpo_email="",
                dpo_phone="",
                dpo_address="",
                legal_basis_police="",
                legal_basis_camera_law="",
                pictogram="",
                website="",
            )
        self._apply_profile(session, profile, spec)
        profile.updated_at = self._clock()
        profile.updated_by = actor.name
        session.add(profile)
        session.flush()
        return profile

    @staticmethod
    def _apply_profile(session: Session, profile: TransparencyProfile, spec: ProfileSpec) -> None:
        if spec.slug is not None:
            slug = spec.slug.strip().lower()
            if not SLUG.fullmatch(slug) or slug in RESERVED_SLUGS:
                raise InvalidInput(
                    _(
                        "page name: 3 to 60 lowercase letters, digits and hyphens, not beginning or ending "
                        "with a hyphen (and not profile, export or cameras), for example politiezone-kortrijk"
                    )
                )
            taken = session.scalar(
                select(TransparencyProfile.organisation_id).where(
                    TransparencyProfile.slug == slug, TransparencyProfile.organisation_id != profile.organisation_id
                )
            )
            if taken is not None:
                raise Conflict(_("page name: '{slug}' is another owner's page; choose another one", slug=slug))
            profile.slug = slug
        if spec.public_name is not None:
            profile.public_name = _text(spec.public_name, _("public name"), 200, required=True)
        if spec.dpo_name is not None:
            profile.dpo_name = _text(spec.dpo_name, _("DPO's name"), 200)
        if spec.dpo_email is not None:
            email = _text(spec.dpo_email, _("DPO's e-mail address"), 254, required=True)
            if not EMAIL.fullmatch(email):
                raise InvalidInput(_("DPO's e-mail address: write it like dpo@example.be"))
            profile.dpo_email = email
        if spec.dpo_phone is not None:
            phone = _text(spec.dpo_phone, _("DPO's phone number"), 40)
            if phone and not PHONE.fullmatch(phone):
                raise InvalidInput(_("DPO's phone number: digits, spaces and + ( ) . / - only, like +32 56 23 10 00"))
            profile.dpo_phone = phone
        if spec.dpo_address is not None:
            profile.dpo_address = _text(spec.dpo_address, _("DPO's postal address"), 300)
        if spec.legal_basis_police is not None:
            profile.legal_basis_police = _text(spec.legal_basis_police, _("legal basis (police)"), 1000)
        if spec.legal_basis_camera_law is not None:
            profile.legal_basis_camera_law = _text(spec.legal_basis_camera_law, _("legal basis (camera law)"), 1000)
        if spec.pictogram is not None:
            profile.pictogram = _text(spec.pictogram, _("pictogram text"), 500)
        if spec.website is not None:
            website = _text(spec.website, _("website"), 300)
            if website and not re.fullmatch(r"https?://[^\s/]+\.[^\s]+", website):
                raise InvalidInput(_("website: give its address with https://, like https://www.kortrijk.be"))
            profile.website = website
        if not profile.dpo_email:
            raise InvalidInput(_("DPO's e-mail address: fill it in"))

    def publish(self, session: Session, actor: Actor, ref: str, spec: PublicationSpec) -> OwnCamera:
        """List a camera of the actor's organisation in the register, or take it out, or
        change its municipality or purpose: one audited decision of the gate on the camera
        (another organisation's is refused like one that does not exist)."""
        camera = self.cameras.require(
            session,
            actor,
            ref,
            Action.EDIT_TRANSPARENCY,
            detail={"change": "publication", "fields": ",".join(spec.named()), "public": spec.public},
        )
        if camera.removed_at is not None:
            raise Conflict(_("camera '{name}' was removed and cannot be listed", name=camera.name))
        publication = session.get(CameraPublication, camera.id)
        now = self._clock()
        if publication is None:
            publication = CameraPublication(
                camera_id=camera.id, public=False, municipality="", purpose="", updated_at=now, updated_by=actor.name
            )
            session.add(publication)
        if spec.municipality is not None:
            label = _("municipality")
            municipality = _text(spec.municipality, label, 120)
            if municipality and not SEARCH_TEXT.fullmatch(municipality):
                raise _letters_only(label)
            publication.municipality = municipality
        if spec.purpose is not None:
            publication.purpose = _text(spec.purpose, _("public purpose"), 120)
        if spec.public is not None:
            publication.public = spec.public
        if publication.public:
            self._check_publishable(session, camera, publication)
        publication.updated_at = now
        publication.updated_by = actor.name
        session.flush()
        return OwnCamera.of(camera, publication)

    @staticmethod
    def _check_publishable(session: Session, camera: Camera, publication: CameraPublication) -> None:
        if session.get(TransparencyProfile, camera.organisation_id) is None:
            raise InvalidInput(
                _(
                    "public: fill in your organisation's register profile first (/register/profile): "
                    "the register names whom to ask about each camera"
                )
            )
        if not publication.municipality:
            raise InvalidInput(_("municipality: name the municipality the camera films in, to list it"))
        if not publication.purpose:
            raise InvalidInput(_("public purpose: say in a few words why the camera films, to list it"))
        if camera.kind in STREET_KINDS and not camera.street:
            raise InvalidInput(_("street: a fixed camera is listed by its street; set the camera's street first"))
