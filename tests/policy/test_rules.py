"""The policy's pure rules: every role against every action, organisation scope,
purposes and the 30-day rule for police recordings."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.i18n import Message
from belfort.policy import (
    Action,
    Actor,
    ActorKind,
    AuthorisationKind,
    AuthorisationTerm,
    DesignationTerm,
    GrantTerm,
    LegalRegime,
    OrganisationKind,
    PolicyRules,
    Purpose,
    PurposeKind,
    Resource,
    ResourceKind,
    Right,
    Role,
    audit_review_scope,
    capabilities,
    decide,
    role_title,
    sees_camera,
)
from belfort.policy.rules import ACTIONS, ROLE_TITLES

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
RULES = PolicyRules()
POLICE_ORG = uuid.uuid4()
SHOP_ORG = uuid.uuid4()
ADMIN_PURPOSE = Purpose(PurposeKind.ADMINISTRATIVE, "Fight reported at the station square")

_INVESTIGATING = {
    Action.VIEW_CAMERA,
    Action.VIEW_RECORDING,
    Action.EXPORT_EVIDENCE,
    Action.VIEW_EXPORTS,
    Action.FOLLOW_EXPORT,
    Action.DOWNLOAD_EXPORT,
    Action.PLACE_HOLD,
    Action.LIFT_HOLD,
    Action.VIEW_HOLDS,
    Action.SEARCH_PLATES,
    Action.HANDLE_HITS,
}
_SHARING = {Action.VIEW_SHARING}
_INCIDENTS = {Action.VIEW_INCIDENTS, Action.HANDLE_INCIDENTS}
_ALARM_CENTRE_ONLY = {Action.MANAGE_PREMISES}
"""Actions a role has, but only in an alarm centre (the platform administrator's anywhere)."""
EXPECTED: dict[Role, set[Action]] = {
    Role.OPERATOR: {Action.VIEW_CAMERA, Action.USE_WALL, Action.VIEW_LIVE, Action.VIEW_RECORDING, Action.HANDLE_HITS}
    | _INCIDENTS,
    Role.INSPECTOR: _INVESTIGATING
    | _SHARING
    | {
        Action.ASK_ACCESS,
        Action.VIEW_INCIDENTS,
        Action.MANAGE_AUTHORISATIONS,
        Action.LOG_DRONE_MISSIONS,
        Action.VIEW_DRONE_MISSIONS,
    },
    Role.SUPERVISOR: _INVESTIGATING
    | _SHARING
    | {
        Action.USE_WALL,
        Action.VIEW_LIVE,
        Action.MANAGE_HOTLISTS,
        Action.REVIEW_AUDIT,
        Action.MANAGE_GROUPS,
        Action.ASK_ACCESS,
        Action.DECIDE_REQUESTS,
        Action.REVIEW_USE,
        Action.VIEW_ALARMS,
        Action.VIEW_PROCESSING_REGISTER,
        Action.VIEW_ANNUAL_REPORT,
        Action.MANAGE_SHIFTS,
        Action.SUPERVISE_VIEWING,
        Action.MANAGE_AUTHORISATIONS,
        Action.LOG_DRONE_MISSIONS,
        Action.VIEW_DRONE_MISSIONS,
    }
    | _INCIDENTS,
    Role.DPO: {Action.VIEW_CAMERA, Action.VIEW_EXPORTS, Action.VIEW_HOLDS, Action.REVIEW_AUDIT, Action.VERIFY_AUDIT}
    | _SHARING
    | {
        Action.REVIEW_USE,
        Action.VIEW_ALARMS,
        Action.EDIT_TRANSPARENCY,
        Action.VIEW_PROCESSING_REGISTER,
        Action.EDIT_PROCESSING_REGISTER,
        Action.VIEW_ANNUAL_REPORT,
        Action.SUPERVISE_VIEWING,
        Action.MANAGE_AUTHORISATIONS,
        Action.VIEW_DRONE_MISSIONS,
        Action.HANDLE_SUBJECT_REQUESTS,
        Action.VIEW_SUBJECT_FOOTAGE,
    },
    Role.ADMIN: {
        Action.VIEW_CAMERA,
        Action.VERIFY_AUDIT,
        Action.MANAGE_USERS,
        Action.MANAGE_TOKENS,
        Action.MANAGE_CAMERAS,
        Action.MANAGE_GROUPS,
        Action.MANAGE_GRANTS,
        Action.NARROW_GRANTS,
        Action.DECIDE_REQUESTS,
        Action.VIEW_ALARMS,
        Action.MANAGE_PREMISES,
        Action.GIVE_CONSENT,
        Action.EDIT_TRANSPARENCY,
        Action.VIEW_PROCESSING_REGISTER,
        Action.VIEW_ANNUAL_REPORT,
        Action.DESIGNATE_VIEWERS,
        Action.MANAGE_SHIFTS,
        Action.SUPERVISE_VIEWING,
        Action.LOG_DRONE_MISSIONS,
        Action.VIEW_DRONE_MISSIONS,
    }
    | _SHARING,
    Role.PARTNER: {Action.VIEW_CAMERA, Action.USE_WALL, Action.VIEW_LIVE, Action.VIEW_RECORDING}
    | _SHARING
    | _INCIDENTS
    | {
        Action.MANAGE_GROUPS,
        Action.MANAGE_GRANTS,
        Action.DECIDE_REQUESTS,
        Action.REVIEW_USE,
        Action.VIEW_ALARMS,
        Action.GIVE_CONSENT,
    },
    Role.PLATFORM_ADMIN: {
        Action.MANAGE_USERS,
        Action.MANAGE_ORGANISATIONS,
        Action.VERIFY_AUDIT,
        Action.VIEW_ALARMS,
        Action.MANAGE_PREMISES,
        Action.READ_METRICS,
        Action.VIEW_CLUSTER,
    },
    Role.AUDITOR: {
        Action.REVIEW_AUDIT,
        Action.VERIFY_AUDIT,
        Action.VIEW_ALARMS,
        Action.VIEW_PROCESSING_REGISTER,
        Action.VIEW_ANNUAL_REPORT,
        Action.VIEW_DRONE_MISSIONS,
    },
    Role.SECURITY_GUARD: {Action.VIEW_CAMERA, Action.USE_WALL, Action.VIEW_LIVE},
}


def person(role: Role, org: uuid.UUID = POLICE_ORG) -> Actor:
    """A person of `role`; a security guard designated under a supervising inspector, as
    they must be to watch live (tests/policy/test_designation_rule.py)."""
    kind = OrganisationKind.BUSINESS if org == SHOP_ORG else OrganisationKind.POLICE_ZONE
    guard = DesignationTerm("d-1", NOW.date() + timedelta(days=90), supervisor="inspector")
    designation = guard if role is Role.SECURITY_GUARD else None
    return Actor(ActorKind.USER, uuid.uuid4(), role.value, role, org, "org", kind, designation=designation)


def machine(*scopes: str) -> Actor:
    return Actor(
        ActorKind.MACHINE,
        uuid.uuid4(),
        "token:x",
        None,
        POLICE_ORG,
        "org",
        OrganisationKind.POLICE_ZONE,
        frozenset(scopes),
    )


def camera_recording(
    age_days: float,
    regime: LegalRegime = LegalRegime.POLICE,
    owner: uuid.UUID = POLICE_ORG,
    granted: frozenset[uuid.UUID] = frozenset(),
) -> Resource:
    start = NOW - timedelta(days=age_days)
    return Resource(
        ResourceKind.RECORDING,
        "cam-1",
        "Grote Markt",
        owner,
        regime,
        grants_to(granted),
        start,
        start + timedelta(minutes=5),
    )


def grants_to(organisations: frozenset[uuid.UUID]) -> tuple[GrantTerm, ...]:
    """An open grant of every right to each organisation, from long ago."""
    return tuple(
        GrantTerm(f"g{i}", "Shop", org, frozenset(Right), NOW - timedelta(days=400))
        for i, org in enumerate(sorted(organisations))
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_each_role_may_do_exactly_its_actions(role: Role, action: Action) -> None:
    decision = decide(person(role), action, camera_recording(1), ADMIN_PURPOSE, RULES, NOW)
    outside = action in _ALARM_CENTRE_ONLY and role is not Role.PLATFORM_ADMIN
    assert decision.granted is (action in EXPECTED[role] and not outside), decision.reason
    if action is Action.IDENTIFY_FACES:
        assert decision.rule == "law" and "Face recognition is not allowed" in decision.reason
    elif not decision.granted:
        assert decision.rule == ("organisation_kind" if action in EXPECTED[role] else "role")
        assert "may not" in decision.reason or "alarm centre" in decision.reason


def test_capabilities_list_matches_the_rules() -> None:
    for role in Role:
        assert {action for action, _ in capabilities(role)} == EXPECTED[role]


def test_machine_tokens_act_only_within_their_scopes() -> None:
    reads = Resource(ResourceKind.PLATE_READS)
    assert decide(machine("anpr:ingest"), Action.INGEST_READS, reads, None, RULES, NOW).granted
    refused = decide(machine(), Action.INGEST_READS, reads, None, RULES, NOW)
    assert not refused.granted and refused.rule == "scope" and "anpr:ingest" in refused.reason
    human_only = decide(machine("anpr:ingest"), Action.VIEW_LIVE, camera_recording(0), ADMIN_PURPOSE, RULES, NOW)
    assert not human_only.granted and "only people" in human_only.reason


def test_people_never_use_machine_actions() -> None:
    for role in Role:
        assert not decide(
            person(role), Action.INGEST_READS, Resource(ResourceKind.PLATE_READS), None, RULES, NOW
        ).granted


def test_other_organisations_cameras_need_a_grant() -> None:
    shop_camera = camera_recording(1, LegalRegime.CAMERA_LAW, owner=SHOP_ORG)
    refused = decide(person(Role.OPERATOR), Action.VIEW_LIVE, shop_camera, ADMIN_PURPOSE, RULES, NOW)
    assert not refused.granted and refused.rule == "organisation"
    granted_camera = camera_recording(1, LegalRegime.CAMERA_LAW, owner=SHOP_ORG, granted=frozenset({POLICE_ORG}))
    assert decide(person(Role.OPERATOR), Action.VIEW_LIVE, granted_camera, ADMIN_PURPOSE, RULES, NOW).granted
    own = decide(person(Role.PARTNER, SHOP_ORG), Action.VIEW_LIVE, shop_camera, ADMIN_PURPOSE, RULES, NOW)
    assert own.granted
    police_camera = camera_recording(1)
    assert not decide(
        person(Role.PARTNER, SHOP_ORG), Action.VIEW_LIVE, police_camera, ADMIN_PURPOSE, RULES, NOW
    ).granted


@pytest.mark.parametrize("purpose", [None, Purpose(PurposeKind.ADMINISTRATIVE, "  look  ")])
def test_looking_at_images_needs_a_stated_purpose(purpose: Purpose | None) -> None:
    decision = decide(person(Role.OPERATOR), Action.VIEW_LIVE, camera_recording(0), purpose, RULES, NOW)
    assert not decision.granted
    assert decision.rule == "purpose" and decision.needs == ("purpose",)


def test_administrative_purpose_within_30_days_is_granted() -> None:
    decision = decide(person(Role.INSPECTOR), Action.VIEW_RECORDING, camera_recording(29.9), ADMIN_PURPOSE, RULES, NOW)
    assert decision.granted


def test_administrative_purpose_after_30_days_is_refused_and_says_what_is_needed() -> None:
    decision = decide(person(Role.INSPECTOR), Action.VIEW_RECORDING, camera_recording(31), ADMIN_PURPOSE, RULES, NOW)
    assert not decision.granted
    assert decision.rule == "30-day"
    assert "judicial" in decision.reason and "prosecutor" in decision.reason
    assert decision.needs == ("judicial_reference",)


def test_judicial_purpose_after_30_days_needs_a_registered_authorisations_reference() -> None:
    without = Purpose(PurposeKind.JUDICIAL, "Burglary investigation 2026/123")
    refused = decide(person(Role.INSPECTOR), Action.VIEW_RECORDING, camera_recording(40), without, RULES, NOW)
    assert not refused.granted and refused.needs == ("judicial_reference",)
    unregistered = Purpose(PurposeKind.JUDICIAL, "Burglary investigation 2026/123", "KO.12.L7.004512/26")
    refused = decide(person(Role.INSPECTOR), Action.VIEW_RECORDING, camera_recording(40), unregistered, RULES, NOW)
    assert not refused.granted and "registered" in refused.reason
    term = AuthorisationTerm(
        "a-1",
        POLICE_ORG,
        AuthorisationKind.PROSECUTOR_DECISION,
        "KO.12.L7.004512/26",
        NOW - timedelta(days=60),
        NOW,
        NOW + timedelta(days=30),
    )
    registered = replace(unregistered, authorisation=term)
    granted = decide(person(Role.INSPECTOR), Action.VIEW_RECORDING, camera_recording(40), registered, RULES, NOW)
    assert granted.granted and "prosecutor" in granted.reason


def test_camera_law_recordings_have_no_30_day_consultation_rule() -> None:
    shop = camera_recording(31, LegalRegime.CAMERA_LAW, owner=SHOP_ORG)
    assert decide(person(Role.PARTNER, SHOP_ORG), Action.VIEW_RECORDING, shop, ADMIN_PURPOSE, RULES, NOW).granted


def test_recordings_past_maximum_retention_are_never_consulted() -> None:
    judicial = Purpose(PurposeKind.JUDICIAL, "Cold case review 2025/77", "KO.1")
    decision = decide(person(Role.INSPECTOR), Action.VIEW_RECORDING, camera_recording(366), judicial, RULES, NOW)
    assert not decision.granted and decision.rule == "retention" and decision.needs == ()


def test_audit_review_scope() -> None:
    assert audit_review_scope(person(Role.AUDITOR)) == ""
    assert audit_review_scope(person(Role.DPO)) == str(POLICE_ORG)
    assert audit_review_scope(person(Role.SUPERVISOR)) == str(POLICE_ORG)


@given(
    role=st.sampled_from(list(Role)),
    action=st.sampled_from(list(Action)),
    age=st.floats(min_value=0, max_value=400),
    kind=st.sampled_from(list(PurposeKind)),
    justification=st.text(max_size=40),
    reference=st.text(max_size=20),
    regime=st.sampled_from(list(LegalRegime)),
)
def test_decisions_are_total_and_always_explained(
    role: Role,
    action: Action,
    age: float,
    kind: PurposeKind,
    justification: str,
    reference: str,
    regime: LegalRegime,
) -> None:
    purpose = Purpose(kind, justification, reference)
    decision = decide(person(role), action, camera_recording(age, regime), purpose, RULES, NOW)
    assert decision.reason.strip()
    assert decision.action is action
    if decision.granted:
        assert action in EXPECTED[role]
        if regime is LegalRegime.POLICE and age > 30 and action in {Action.VIEW_RECORDING, Action.EXPORT_EVIDENCE}:
            assert kind is PurposeKind.JUDICIAL and reference.strip()


def test_a_missing_resource_and_another_organisations_are_refused_in_the_same_words() -> None:
    inspector = person(Role.INSPECTOR)
    missing = Resource(ResourceKind.RECORDING, "", "Markt", asked="Markt", known=False)
    foreign = Resource(ResourceKind.RECORDING, "cam-9", "Markt", SHOP_ORG, LegalRegime.CAMERA_LAW, asked="Markt")
    refusals = [decide(inspector, Action.VIEW_RECORDING, r, ADMIN_PURPOSE, RULES, NOW) for r in (missing, foreign)]
    assert [d.rule for d in refusals] == ["unknown", "organisation"]
    assert refusals[0].reason == refusals[1].reason == "There is no camera 'Markt' that you may see."


def test_a_refusal_repeats_only_what_was_asked() -> None:
    """Asked by id, a camera of another organisation is not named in the answer."""
    asked = str(uuid.uuid4())
    foreign = Resource(ResourceKind.CAMERA, asked, "Secret garage", SHOP_ORG, LegalRegime.CAMERA_LAW, asked=asked)
    decision = decide(person(Role.OPERATOR), Action.VIEW_LIVE, foreign, ADMIN_PURPOSE, RULES, NOW)
    assert not decision.granted and "Secret garage" not in decision.reason and asked in decision.reason


def test_the_role_is_refused_before_anything_is_said_about_the_resource() -> None:
    missing = Resource(ResourceKind.USER, "", "bob", asked="bob", known=False)
    decision = decide(person(Role.OPERATOR), Action.MANAGE_USERS, missing, None, RULES, NOW)
    assert decision.rule == "role" and "bob" not in decision.reason


def test_a_personal_resource_is_its_holders_alone() -> None:
    holder = person(Role.INSPECTOR)
    package = Resource(ResourceKind.EXPORT, "e1", "case 7", POLICE_ORG, asked="e1", personal_to=holder.id)
    assert decide(holder, Action.DOWNLOAD_EXPORT, package, None, RULES, NOW).granted
    colleague = decide(person(Role.INSPECTOR), Action.DOWNLOAD_EXPORT, package, None, RULES, NOW)
    assert colleague.rule == "personal" and colleague.reason == "There is no evidence export 'e1' that you may see."


def test_each_organisation_administers_and_reviews_its_own() -> None:
    foreign = Resource(ResourceKind.CAMERA, "cam-9", "Markt", SHOP_ORG, LegalRegime.CAMERA_LAW)
    for role in (Role.DPO, Role.ADMIN, Role.PLATFORM_ADMIN, Role.AUDITOR):
        assert not decide(person(role), Action.VIEW_CAMERA, foreign, None, RULES, NOW).granted
    history = Resource(ResourceKind.EXPORT, "*", "history", SHOP_ORG)
    for role in (Role.DPO, Role.SUPERVISOR):
        assert not decide(person(role), Action.VIEW_EXPORTS, history, None, RULES, NOW).granted
    shop_user = Resource(ResourceKind.USER, "u1", "sam", SHOP_ORG)
    assert not decide(person(Role.ADMIN), Action.MANAGE_USERS, shop_user, None, RULES, NOW).granted
    assert decide(person(Role.ADMIN, SHOP_ORG), Action.MANAGE_USERS, shop_user, None, RULES, NOW).granted
    assert decide(person(Role.PLATFORM_ADMIN), Action.MANAGE_USERS, shop_user, None, RULES, NOW).granted
    shop_camera = Resource(ResourceKind.CAMERA, "cam-9", "Markt", SHOP_ORG, LegalRegime.CAMERA_LAW)
    assert not decide(person(Role.ADMIN), Action.MANAGE_CAMERAS, shop_camera, None, RULES, NOW).granted


def test_roles_in_sentences_have_their_article() -> None:
    decision = decide(person(Role.INSPECTOR), Action.VIEW_LIVE, camera_recording(1), ADMIN_PURPOSE, RULES, NOW)
    assert decision.reason.startswith("An inspector or detective may not")
    decision = decide(person(Role.OPERATOR), Action.SEARCH_PLATES, camera_recording(1), ADMIN_PURPOSE, RULES, NOW)
    assert decision.reason.startswith("A control-room operator may not")


@given(
    role=st.sampled_from(list(Role)),
    owner=st.sampled_from([POLICE_ORG, SHOP_ORG]),
    granted=st.booleans(),
)
def test_lists_show_exactly_the_cameras_the_gate_lets_one_see(role: Role, owner: uuid.UUID, granted: bool) -> None:
    """`sees_camera`, behind every list, is the gate's own `camera.view` rule."""
    actor = person(role)
    grants = grants_to(frozenset({POLICE_ORG}) if granted else frozenset())
    camera = Resource(ResourceKind.CAMERA, "c", "Markt", owner, LegalRegime.POLICE, grants)
    seen = sees_camera(actor, owner, NOW, grants)
    assert seen is decide(actor, Action.VIEW_CAMERA, camera, None, RULES, NOW).granted


def test_no_token_scope_names_a_feature_that_does_not_exist() -> None:
    from belfort.auth.service import KNOWN_SCOPES

    assert {"anpr:ingest", "alarms:send", "metrics:read"} == KNOWN_SCOPES


def test_an_inspector_reads_only_their_own_exports_a_team_chief_the_organisations() -> None:
    inspector, colleague = person(Role.INSPECTOR), person(Role.INSPECTOR)
    export = Resource(ResourceKind.EXPORT, "e1", "case 7", POLICE_ORG, asked="e1", personal_to=inspector.id)
    assert decide(inspector, Action.VIEW_EXPORTS, export, None, RULES, NOW).granted
    assert decide(colleague, Action.VIEW_EXPORTS, export, None, RULES, NOW).rule == "personal"
    assert decide(person(Role.SUPERVISOR), Action.VIEW_EXPORTS, export, None, RULES, NOW).granted


def test_every_reason_is_one_marked_sentence_with_named_fields() -> None:
    """Each reason is a whole sentence marked for translation (`belfort.i18n`): what varies
    (who, what, how many days, the name asked for) is a field, itself a message where it is
    words, so a translator can reorder it; the English stays the words the audit log keeps."""
    short = Purpose(PurposeKind.ADMINISTRATIVE, "x")
    judicial_without_reference = Purpose(PurposeKind.JUDICIAL, "Cold case review 2025/77")
    term = AuthorisationTerm(
        "a-1",
        POLICE_ORG,
        AuthorisationKind.INVESTIGATING_JUDGE_ORDER,
        "KO.1",
        NOW - timedelta(days=400),
        NOW,
        NOW + timedelta(days=1),
    )
    judicial = Purpose(PurposeKind.JUDICIAL, "Cold case review 2025/77", "KO.1", term)
    foreign = camera_recording(1, owner=SHOP_ORG)
    cases = [
        (person(Role.OPERATOR), Action.MANAGE_USERS, Resource(ResourceKind.USER), None),
        (machine(), Action.VIEW_LIVE, camera_recording(1), ADMIN_PURPOSE),
        (machine(), Action.INGEST_READS, Resource(ResourceKind.PLATE_READS), None),
        (person(Role.OPERATOR), Action.VIEW_RECORDING, foreign, ADMIN_PURPOSE),
        (person(Role.OPERATOR), Action.VIEW_RECORDING, camera_recording(1), None),
        (person(Role.OPERATOR), Action.VIEW_RECORDING, camera_recording(1), short),
        (person(Role.OPERATOR), Action.VIEW_RECORDING, camera_recording(40), ADMIN_PURPOSE),
        (person(Role.INSPECTOR), Action.VIEW_RECORDING, camera_recording(40), judicial_without_reference),
        (person(Role.INSPECTOR), Action.VIEW_RECORDING, camera_recording(400), judicial),
        (person(Role.INSPECTOR), Action.VIEW_RECORDING, camera_recording(40), judicial),
        (person(Role.OPERATOR), Action.VIEW_RECORDING, camera_recording(1), ADMIN_PURPOSE),
    ]
    reasons = [
        decide(actor, action, resource, purpose, RULES, NOW).reason for actor, action, resource, purpose in cases
    ]
    for reason in reasons:
        assert isinstance(reason, Message), reason
        assert not any(character.isdigit() for character in reason.msgid), reason.msgid  # numbers are fields
        for name in ("role", "action", "noun"):
            assert name not in reason.values or isinstance(reason.values[name], Message), (reason, name)
    assert reasons[0] == "A control-room operator may not manage user accounts."
    assert reasons[0].msgid == "{role} may not {action}."
    assert reasons[2] == "This API token may not send plate reads (needs scope 'anpr:ingest')."
    assert reasons[3] == "There is no camera 'cam-1' that you may see."
    assert reasons[5].startswith("The justification is too short: describe the reason in at least 10 characters")
    assert reasons[6].startswith("This footage is more than 30 days old. Police recordings older than 30 days")
    assert reasons[8].startswith("Police recordings are kept at most 365 days;")
    assert reasons[9] == "Allowed: play back recordings under the investigating judge's order KO.1."


def test_each_action_has_a_menu_line_and_words_for_a_sentence() -> None:
    for action, spec in ACTIONS.items():
        assert isinstance(spec.description, Message) and isinstance(spec.doing, Message), action
        assert spec.description[0].isupper() and spec.doing[0].islower(), action
        assert spec.description.lower() == spec.doing.lower(), action
    assert all(isinstance(title, Message) for title in ROLE_TITLES.values())
    assert role_title(Role.ADMIN) == "an administrator" and role_title(None) == "this account"
