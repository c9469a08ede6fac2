"""Open311 GeoReport v2 at /open311/v2/ against the real app: every endpoint in XML (parsed with
lxml, entities never resolved, validated against the spec's shapes in georeport_v2.rng) and
JSON; the errors' format and statuses; the filters; filing a request with a key (revoked,
rate-limited, bad input: nothing half-stored); and no personal data in any public output."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis
import pytest
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import func, select

from finestreta.cli import main
from finestreta.clock import SYSTEM_CLOCK
from finestreta.errors import FinestretaError
from finestreta.procedures.complaints import cases
from finestreta.procedures.complaints.cases import DescribedPlace, Handler
from finestreta.procedures.complaints.lifecycle import CaseState, Role
from finestreta.procedures.complaints.open311 import keys
from finestreta.procedures.complaints.open311.records import ApiKeyRow, RequestRow
from finestreta.procedures.complaints.open311.service import (
    FIELDS,
    SERVICES,
    WINDOW,
    parse_filters,
)
from finestreta.procedures.complaints.open311.settings import Open311Settings
from finestreta.procedures.complaints.records import CaseEventRow, CaseRow
from finestreta.registry import RegistryAttachment, RegistryEntry
from finestreta.streets.synthetic import seed_demo
from tests.procedures.complaints.open311_helpers import (
    PERSONAL_BITS,
    SECRETS,
    V2,
    booth_case,
    make_key,
    xml,
)

SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).with_name("georeport_v2.rng"))))
SUPERVISOR = Handler(1, Role.SUPERVISOR)
MODERATED = "Bins left out overnight in front of number 401."


@pytest.fixture
def streets(ctx: Any) -> None:
    with ctx.db.session() as session:
        seed_demo(session)


@pytest.fixture
def key(ctx: Any, streets: None) -> str:
    return make_key(ctx)


def valid_xml(answer: Any, root: str) -> Any:
    assert answer.headers["content-type"].startswith("text/xml"), answer.headers
    assert answer.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    document = xml(answer.content)
    assert document.tag == root
    assert SCHEMA.validate(document), SCHEMA.error_log
    return document


def get(client: Any, path: str, expect: int = 200, **params: Any) -> tuple[Any, Any]:
    """The JSON and the XML answers of ``path`` (without extension), both with ``expect``."""
    as_json = client.get(f"{V2}/{path}.json", params=params)
    as_xml = client.get(f"{V2}/{path}.xml", params=params)
    assert (as_json.status_code, as_xml.status_code) == (expect, expect), as_json.text
    assert as_json.headers["content-type"].startswith("application/json")
    return as_json, as_xml


def post(client: Any, fmt: str = "json", **form: Any) -> Any:
    return client.post(f"{V2}/requests.{fmt}", data=form)


def lamp(key: str, **changes: Any) -> dict[str, Any]:
    return {
        "api_key": key,
        "service_code": "incident-lighting",
        "lat": "41.3995",
        "long": "2.1617",
        "description": "The street lamp has been off for three nights.",
        **changes,
    }


def error_of(answer: Any, status: int) -> str:
    """The spec's error list, in the answer's format; returns our own code."""
    assert answer.status_code == status, answer.text
    if answer.headers["content-type"].startswith("application/json"):
        body = answer.json()
        assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}
        assert body[0]["code"] == status
        description: str = body[0]["description"]
    else:
        document = valid_xml(answer, "errors")
        assert document.findtext("error/code") == str(status)
        description = document.findtext("error/description") or ""
    assert answer.headers["cache-control"] == "no-store"
    return description.partition(":")[0]


def count(ctx: Any, what: Any) -> int:
    with ctx.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)


def zoned(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


# ------------------------------------------------------------------------------ reading


def test_discovery_and_services_in_both_formats(client: Any) -> None:
    as_json, as_xml = get(client, "discovery")
    endpoint = as_json.json()["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]
    valid_xml(as_xml, "discovery")

    as_json, as_xml = get(client, "services")
    listed = as_json.json()
    codes = [s["service_code"] for s in listed]
    assert codes == [s.code for s in SERVICES.values()] and "incident-lighting" in codes
    document = valid_xml(as_xml, "services")
    assert [e.text for e in document.iterfind("service/service_code")] == codes
    assert as_xml.headers["cache-control"].startswith("public")
    assert as_xml.headers["access-control-allow-origin"] == "*"
    # never a type that may not be published, nor a theme about people
    assert not any(c.split("-")[0] in ("suggestion", "query", "thanks") for c in codes)
    assert not any(c.endswith(("-staff", "-civic_behaviour", "-noise")) for c in codes)
    assert all(s["metadata"] is True and s["type"] == "realtime" for s in listed)


def test_discovery_names_the_public_url_whatever_the_host_header(client: Any, ctx: Any) -> None:
    """Discovery is cached publicly: a forged Host must not become the URL it gives out."""
    public = ctx.settings.public_url.rstrip("/")
    assert public
    for host in ("localhost:6666", "127.0.0.1", "evil.example"):
        for fmt in ("json", "xml"):
            answer = client.get(f"{V2}/discovery.{fmt}", headers={"host": host})
            if answer.status_code == 400:  # a host the platform refuses outright: also fine
                continue
            assert answer.status_code == 200, answer.text
            assert host not in answer.text
            if fmt == "json":
                assert answer.json()["endpoints"][0]["url"] == public + V2
            else:
                assert valid_xml(answer, "discovery").findtext("endpoints/endpoint/url") == (
                    public + V2
                )
    # at least the hosts the platform lets through were answered
    assert client.get(f"{V2}/discovery.json", headers={"host": "localhost:6666"}).status_code == 200


def test_discovery_without_a_public_url_gives_the_path_alone(
    client: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    complaints = ctx.procedure("complaints")
    settings = complaints.platform.settings.model_copy(update={"public_url": ""})
    monkeypatch.setattr(complaints, "platform", replace(complaints.platform, settings=settings))
    answer = client.get(f"{V2}/discovery.json", headers={"host": "localhost:6666"})
    assert answer.json()["endpoints"][0]["url"] == V2


def test_a_service_definition_has_its_attributes_and_values(client: Any) -> None:
    as_json, as_xml = get(client, "services/complaint-roads")
    definition = as_json.json()
    assert definition["service_code"] == "complaint-roads"
    (language,) = definition["attributes"]
    assert language == {
        "variable": True,
        "code": "language",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "One of the keys listed.",
        "order": 1,
        "description": "The language the city answers in (Catalan when not given).",
        "values": [
            {"key": "ca", "name": "Català"},
            {"key": "es", "name": "Español"},
            {"key": "en", "name": "English"},
        ],
    }
    document = valid_xml(as_xml, "service_definition")
    attribute = document.find("attributes/attribute")
    assert attribute.findtext("datatype") == "singlevaluelist"
    assert [v.findtext("key") for v in attribute.iterfind("values/value")] == ["ca", "es", "en"]
    for code in ("suggestion-noise", "complaint-staff", "incident-noise", "nothing"):
        for fmt in ("json", "xml"):
            answer = client.get(f"{V2}/services/{code}.{fmt}")
            assert error_of(answer, 404) == "open311_service_not_found"


def test_booth_cases_are_public_requests_without_personal_data(
    client: Any, ctx: Any, key: str
) -> None:
    """A case filed at the booth with every personal detail: Open311 shows its service,
    state, unit, dates and street (never the number: the citizen at the booth chose to publish
    nothing), its description only as moderated, and no name, e-mail, phone or original text
    anywhere, in any output. Noise is about people (neighbours): never published."""
    case = booth_case(ctx)
    with ctx.db.session() as session:
        number = str(session.scalar(select(CaseRow.id).where(CaseRow.code == case.code)))
    hidden = [
        booth_case(ctx, case_type="complaint", theme="staff"),  # about people
        booth_case(ctx, case_type="suggestion", theme="lighting"),  # a type never published
        booth_case(ctx, case_type="complaint", theme="noise"),  # about neighbours
        booth_case(ctx, case_type="incident", theme="noise"),
    ]
    described = booth_case(ctx, case_type="incident", location=DescribedPlace(SECRETS["place"]))
    filed = post(client, **lamp(key, email="pau@example.cat", first_name="Pau", last_name="Ribes"))
    assert filed.status_code == 201, filed.text

    as_json, as_xml = get(client, "requests")
    listed = {r["service_request_id"]: r for r in as_json.json()}
    assert len(listed) == 3 and number in listed
    mine = listed[number]
    assert mine["service_code"] == "complaint-street_cleaning" and mine["status"] == "open"
    assert mine["agency_responsible"] == "Street cleaning and waste"
    assert mine["address"] == "Carrer de Mallorca" and "address_id" not in mine
    assert "description" not in mine  # not moderated yet
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        zoned(mine[field])
    valid_xml(as_xml, "service_requests")

    with ctx.db.session() as session:
        cases.publish_description(
            session, case.code, MODERATED, by=SUPERVISOR, now=SYSTEM_CLOCK.now()
        )
    as_json, _ = get(client, f"requests/{number}")
    assert as_json.json()[0]["description"] == MODERATED

    token = filed.json()[0]["token"]
    outputs = [get(client, "requests"), get(client, f"requests/{number}")]
    outputs += [get(client, f"tokens/{token}"), get(client, "services"), get(client, "discovery")]
    outputs += [get(client, f"services/{code}") for code in SERVICES]
    outputs += [get(client, "requests", status="open,closed")]
    roots = ["service_requests"] * 3 + ["services", "discovery"]
    roots += ["service_definition"] * len(SERVICES) + ["service_requests"]
    for (_, as_xml), root in zip(outputs, roots, strict=True):
        valid_xml(as_xml, root)  # the moderated description too
    bodies = [a.text for pair in outputs for a in pair]
    for secret in [*PERSONAL_BITS, "pau@example.cat", "Ribes", SECRETS["place"], case.code]:
        assert not any(secret.lower() in body.lower() for body in bodies), secret
    bodies = [a.text for pair in outputs[:2] for a in pair]  # the booth case: its street only
    for secret in ("Mallorca 401", "D001/401", "D001"):
        assert not any(secret.lower() in body.lower() for body in bodies), secret
    # a case about people or of a type never published is not there, not even by its number
    with ctx.db.session() as session:
        numbers = [
            str(session.scalar(select(CaseRow.id).where(CaseRow.code == c.code)))
            for c in (*hidden, described)
        ]
    for hidden_number in numbers[:4]:
        assert hidden_number not in listed
        answer = client.get(f"{V2}/requests/{hidden_number}.json")
        assert error_of(answer, 404) == "open311_request_not_found"
    # a place the citizen described in their own words is not published (no address)
    assert "address" not in listed[numbers[4]] and "lat" not in listed[numbers[4]]


def test_the_filters(client: Any, ctx: Any, streets: None) -> None:
    now = SYSTEM_CLOCK.now()
    old = booth_case(ctx, case_type="incident", theme="lighting", now=now - timedelta(days=100))
    recent = booth_case(ctx, case_type="incident", theme="lighting", now=now - timedelta(days=2))
    roads = booth_case(ctx, case_type="complaint", theme="roads", now=now - timedelta(hours=1))
    with ctx.db.session() as session:
        cases.move(session, recent.code, CaseState.CLOSED, by=SUPERVISOR, now=now)
        ids = {
            c.code: str(session.scalar(select(CaseRow.id).where(CaseRow.code == c.code)))
            for c in (old, recent, roads)
        }

    def numbers(**params: Any) -> list[str]:
        as_json, as_xml = get(client, "requests", **params)
        valid_xml(as_xml, "service_requests")
        return [r["service_request_id"] for r in as_json.json()]

    # the default window is the last 90 days, newest first
    assert numbers() == [ids[roads.code], ids[recent.code]]
    assert numbers(status="closed") == [ids[recent.code]]
    assert numbers(status="open") == [ids[roads.code]]
    assert numbers(service_code="incident-lighting") == [ids[recent.code]]
    assert numbers(service_code="complaint-roads,incident-lighting", status="open,closed") == [
        ids[roads.code],
        ids[recent.code],
    ]
    start = (now - timedelta(days=120)).isoformat()
    end = (now - timedelta(days=60)).isoformat()
    assert numbers(start_date=start, end_date=end) == [ids[old.code]]
    assert numbers(start_date=start) == [ids[old.code]]  # 90 days from the start
    # numbers override every other filter (the spec's rule)
    both = f"{ids[old.code]},{ids[roads.code]}"
    assert numbers(service_request_id=both, status="closed") == [ids[roads.code], ids[old.code]]
    closed = get(client, "requests", service_request_id=ids[recent.code])[0].json()[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "Closed."
    assert zoned(closed["updated_datetime"]) > zoned(closed["requested_datetime"])

    for params, code in [
        ({"status": "pending"}, "open311_bad_parameter"),
        ({"start_date": "yesterday"}, "open311_bad_parameter"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, None),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, None),
        ({"service_code": "suggestion-noise"}, "open311_unknown_service"),
        ({"service_request_id": "1,two"}, "open311_bad_parameter"),
    ]:
        for fmt in ("json", "xml"):
            answer = client.get(f"{V2}/requests.{fmt}", params=params)
            assert error_of(answer, 400) == (code or "open311_bad_parameter"), params


def test_jurisdiction(client: Any, ctx: Any, key: str) -> None:
    assert ctx.procedure("complaints").open311_settings.jurisdiction == "finestreta"
    get(client, "services", jurisdiction_id="finestreta")
    for path in ("discovery", "services", "services/incident-lighting", "requests"):
        for fmt in ("json", "xml"):
            answer = client.get(f"{V2}/{path}.{fmt}", params={"jurisdiction_id": "elsewhere"})
            assert error_of(answer, 404) == "open311_jurisdiction_not_found"
    answer = post(client, **lamp(key, jurisdiction_id="elsewhere"))
    assert error_of(answer, 404) == "open311_jurisdiction_not_found"
    assert post(client, **lamp(key, jurisdiction_id="finestreta")).status_code == 201


def test_unknown_paths_formats_and_methods_answer_in_the_spec_format(client: Any) -> None:
    assert error_of(client.get(f"{V2}/nothing.json"), 404) == "not_found"
    assert error_of(client.get(f"{V2}/nothing.xml"), 404) == "not_found"
    assert error_of(client.get(f"{V2}/services.html"), 404) == "not_found"
    assert error_of(client.get(f"{V2}/requests/12.json"), 404) == "open311_request_not_found"
    assert error_of(client.get(f"{V2}/requests/abc.xml"), 404) == "open311_request_not_found"
    assert error_of(client.get(f"{V2}/tokens/nope.json"), 404) == "open311_request_not_found"
    for token in ("%00", "a%00b", "0" * 31 + "%00", "A" * 32, "0" * 33):
        answer = client.get(f"{V2}/tokens/{token}.json")
        assert error_of(answer, 404) == "open311_request_not_found", token
    assert error_of(client.put(f"{V2}/requests.json"), 405) == "method_not_allowed"


# ------------------------------------------------------------------------------ filing


def test_a_filed_request_is_a_case_the_staff_see(client: Any, ctx: Any, key: str) -> None:
    answer = post(
        client,
        "xml",
        **lamp(
            key,
            email="pau@example.cat",
            phone="600 111 222",
            first_name="Pau",
            last_name="Ribes",
            device_id="phone-123",
            account_id="acct-9",
            media_url="https://photos.example/lamp.jpg",
            **{"attribute[language]": "es"},
        ),
    )
    assert answer.status_code == 201, answer.text
    document = valid_xml(answer, "service_requests")
    number = document.findtext("request/service_request_id")
    token = document.findtext("request/token")
    as_json, as_xml = get(client, f"tokens/{token}")
    assert as_json.json() == [{"service_request_id": number, "token": token}]
    valid_xml(as_xml, "service_requests")
    public = get(client, f"requests/{number}")[0].json()[0]
    assert (public["lat"], public["long"]) == (41.3995, 2.1617)
    assert "media_url" not in public and "address" not in public

    # the staff's list has it, with its contact, like a case filed at the booth
    with ctx.db.session() as session:
        (staff_view,) = cases.cases_for_handler(session, units=["lighting"])
        source = session.scalar(select(RequestRow))
    assert staff_view.contact == cases.Contact("pau@example.cat", "600111222", "Pau Ribes")
    assert staff_view.language == "es" and staff_view.call_id is None
    assert staff_view.description == "The street lamp has been off for three nights."
    assert source is not None and source.key_name == "app" and str(source.case_id) == number
    assert source.media_url == "https://photos.example/lamp.jpg"

    # and an incoming registry entry, in the city's language, the case keeping its code
    with ctx.db.session() as session:
        (entry,) = session.scalars(select(RegistryEntry))
        row = session.scalar(select(CaseRow))
    assert row is not None and row.registry_code == entry.code
    assert entry.direction == "in" and entry.party_name == "Pau Ribes"
    assert entry.subject == "Incidència: Enllumenat públic"
    assert entry.destination_unit == "Enllumenat públic"
    assert entry.summary.startswith("The street lamp has been off for three nights.\n")
    assert entry.documents == [] and entry.call_id is None
    assert entry.created_by == "open311:app"
    assert count(ctx, RegistryAttachment) == 0  # media_url is never fetched
    assert entry.code not in get(client, f"requests/{number}")[0].text


def test_an_anonymous_request_is_registered_as_anonymous(client: Any, ctx: Any, key: str) -> None:
    # a name without a way to reach its bearer is not kept, on the case or in the registry
    answer = post(client, **lamp(key, first_name="Pau", address_id="D001/401", lat="", long=""))
    assert answer.status_code == 201, answer.text
    with ctx.db.session() as session:
        (entry,) = session.scalars(select(RegistryEntry))
    assert entry.party_name == "Anònim" and "Pau" not in entry.summary
    assert entry.summary.endswith("Carrer de Mallorca 401")


def test_nothing_is_half_stored_when_the_registry_refuses(
    client: Any, ctx: Any, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry is written (and numbered), then the registry refuses: the case, its event, the
    request's row and the entry are all undone, and the next request takes the same number."""
    from finestreta.registry import register as real

    where = "finestreta.procedures.complaints.open311.service.register"

    def refusing(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise ValueError("party_name contains control characters")

    monkeypatch.setattr(where, refusing)
    for fmt in ("json", "xml"):
        assert error_of(post(client, fmt, **lamp(key)), 400) == "open311_bad_parameter"
    assert count(ctx, CaseRow) == count(ctx, CaseEventRow) == count(ctx, RequestRow) == 0
    assert count(ctx, RegistryEntry) == 0

    monkeypatch.setattr(where, real)
    assert post(client, **lamp(key)).status_code == 201
    with ctx.db.session() as session:
        (entry,) = session.scalars(select(RegistryEntry))
    assert entry.number == 1


def test_the_locations_a_request_may_have(client: Any, ctx: Any, key: str) -> None:
    by_address = post(client, **lamp(key, lat="", long="", address_id="D001/401"))
    assert by_address.status_code == 201, by_address.text
    public = get(client, f"requests/{by_address.json()[0]['service_request_id']}")[0].json()[0]
    assert public["address"] == "Carrer de Mallorca 401"
    by_text = post(client, **lamp(key, lat="", long="", address_string="Plaça del Sol"))
    assert by_text.status_code == 201
    public = get(client, f"requests/{by_text.json()[0]['service_request_id']}")[0].json()[0]
    assert "address" not in public  # the client's own words are not published


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"service_code": "suggestion-noise"}, "open311_unknown_service"),
        ({"service_code": ""}, "open311_unknown_service"),
        ({"lat": "", "long": ""}, "case_location_missing"),
        ({"lat": "91"}, "open311_bad_parameter"),
        ({"long": ""}, "open311_bad_parameter"),
        ({"address_id": "D001/997"}, "case_unknown_address"),
        ({"description": "x" * 4_001}, "case_text_too_long"),
        ({"description": ""}, "case_text_missing"),
        ({"attribute[language]": "fr"}, "open311_bad_attribute"),
        ({"attribute[colour]": "red"}, "open311_bad_attribute"),
        ({"colour": "red"}, "open311_bad_parameter"),
        ({"service_code": "complaint-lighting"}, "case_contact_needed"),  # anonymous complaint
        ({"service_code": "incident-noise"}, "open311_unknown_service"),  # about people
        ({"email": "not an address"}, "case_bad_email"),
        ({"media_url": "javascript:alert(1)"}, "open311_bad_parameter"),
        # a NUL anywhere (PostgreSQL cannot store one: it was a 500), other control characters
        ({"media_url": "https://photos.example/\x00.jpg"}, "open311_bad_parameter"),
        ({"media_url": "https://photos.example/\x01.jpg"}, "open311_bad_parameter"),
        ({"address_id": "D\x00/401", "lat": "", "long": ""}, "open311_bad_parameter"),
        ({"address_id": "D\x01/401", "lat": "", "long": ""}, "case_unknown_address"),
        ({"first_name": "P\x00u", "email": "pau@example.cat"}, "open311_bad_parameter"),
        ({"first_name": "P\x01u", "email": "pau@example.cat"}, "case_text_bad_characters"),
        ({"api_key": "o311_\x00"}, "open311_bad_parameter"),
        ({"device_id": "\x00"}, "open311_bad_parameter"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_stored(
    client: Any, ctx: Any, key: str, changes: dict[str, str], code: str
) -> None:
    for fmt in ("json", "xml"):
        answer = post(client, fmt, **lamp(key, **changes))
        assert error_of(answer, 400) == code
    assert count(ctx, CaseRow) == count(ctx, CaseEventRow) == count(ctx, RequestRow) == 0
    assert count(ctx, RegistryEntry) == 0


FIELD_VALUE = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["D001/401", "incident-lighting", "complaint-roads", "41.4", "nan", "1e400", "https://x.y/z"]
)


@hypothesis.settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(
    fields=st.dictionaries(
        st.sampled_from([*sorted(FIELDS - {"api_key"}), "attribute[language]", "other"]),
        FIELD_VALUE,
        max_size=6,
    )
)
def test_any_form_is_filed_or_refused_never_a_500(
    client: Any, ctx: Any, key: str, fields: dict[str, str]
) -> None:
    answer = post(client, **{"api_key": key, **fields})
    assert answer.status_code in (201, 400, 404, 429), (fields, answer.text)


def test_a_description_of_4000_characters_is_taken(client: Any, ctx: Any, key: str) -> None:
    assert post(client, **lamp(key, description="x" * 4_000)).status_code == 201
    assert count(ctx, CaseRow) == 1


def test_keys_missing_unknown_and_revoked_are_refused(client: Any, ctx: Any, key: str) -> None:
    for api_key in ("", "o311_" + "A" * 43, key[:-1], key + "x"):
        answer = post(client, **lamp(key, api_key=api_key))
        assert error_of(answer, 403) == "open311_key_refused"
    assert post(client, **lamp(key)).status_code == 201
    with ctx.db.session() as session:
        keys.revoke(session, "app", now=SYSTEM_CLOCK.now())
    for fmt in ("json", "xml"):
        assert error_of(post(client, fmt, **lamp(key)), 403) == "open311_key_refused"
    assert count(ctx, CaseRow) == 1
    # stored as the SHA-256 of the key, never the key
    with ctx.db.session() as session:
        row = session.scalar(select(ApiKeyRow))
    assert row is not None and row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps([row.name, row.prefix, row.key_hash])


def test_posts_are_rate_limited_per_key(client: Any, ctx: Any, key: str) -> None:
    complaints = ctx.procedure("complaints")
    complaints.open311_settings = Open311Settings(_env_file=None, posts_per_minute=2)
    other = make_key(ctx, "other app")
    assert post(client, **lamp(key)).status_code == 201
    assert post(client, **lamp(key)).status_code == 201
    for fmt in ("json", "xml"):
        answer = post(client, fmt, **lamp(key))
        assert error_of(answer, 429) == "open311_rate_limited"
        assert answer.headers["retry-after"] == "60"
    assert post(client, **lamp(other)).status_code == 201  # per key
    assert count(ctx, CaseRow) == 3


def test_only_form_bodies_are_taken_and_xml_is_never_parsed(
    client: Any, ctx: Any, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret_line = Path("/etc/passwd").read_text().splitlines()[0]
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<service_request><api_key>" + key.encode() + b"</api_key>"
        b"<service_code>incident-lighting</service_code><description>&e;</description>"
        b"<lat>41.4</lat><long>2.16</long></service_request>"
    )
    caplog.set_level(logging.DEBUG)
    answers = []
    for content_type in (
        "application/xml",
        "text/xml",
        "application/json",
        "",
        "multipart/form-data; boundary=x",
    ):
        for fmt in ("json", "xml"):
            headers = {"content-type": content_type} if content_type else {}
            answer = client.post(f"{V2}/requests.{fmt}", content=evil, headers=headers)
            # JSON is refused as JSON by the platform's body check (not JSON at all) or here
            code = error_of(answer, 400)
            assert code in ("open311_form_expected", "invalid"), (content_type, code)
            answers.append(answer.text)
    # sent as a form, the XML is only strange field names (no api_key among them): refused
    answer = client.post(
        f"{V2}/requests.json",
        content=evil,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert error_of(answer, 403) == "open311_key_refused"
    answers.append(answer.text)
    assert not any(secret_line in text or "root:" in text for text in answers)
    assert count(ctx, CaseRow) == 0
    assert key not in caplog.text and secret_line not in caplog.text


def test_keys_from_the_command_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", database_url)
    main(["open311", "keys", "create", "--name", "Barcelona app"])
    printed = capsys.readouterr().out
    key = printed.strip().splitlines()[-1]
    assert key.startswith("o311_") and len(key) == 48
    main(["open311", "keys", "list"])
    listed = capsys.readouterr().out
    assert "Barcelona app" in listed and "active" in listed and key not in listed
    with pytest.raises(SystemExit):
        main(["open311", "keys", "create", "--name", "Barcelona app"])
    assert "already a key" in capsys.readouterr().err
    main(["open311", "keys", "revoke", "Barcelona app"])
    assert "revoked" in capsys.readouterr().out
    main(["open311", "keys", "list"])
    assert "revoked" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["open311", "keys", "revoke", "99"])
    assert "no API key" in capsys.readouterr().err


# ------------------------------------------------------------------------------ settings

DOC = (Path(__file__).resolve().parents[3] / "docs" / "open311.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Open311Settings.model_fields))
def test_every_setting_is_documented_with_its_default(name: str) -> None:
    variable = f"FINESTRETA_COMPLAINTS_OPEN311_{name.upper()}"
    line = next((line for line in DOC.splitlines() if line.startswith(f"| `{variable}` |")), "")
    assert line, f"{variable} has no row in docs/open311.md"
    default = Open311Settings.model_fields[name].get_default()
    assert line.split("|")[2].strip() == f"`{default}`"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FINESTRETA_COMPLAINTS_OPEN311_POSTS_PER_MINUTE", "0"),
        ("FINESTRETA_COMPLAINTS_OPEN311_POSTS_PER_MINUTE", "many"),
        ("FINESTRETA_COMPLAINTS_OPEN311_JURISDICTION", "two words"),
    ],
)
def test_bad_settings_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, db: Any, variable: str, value: str
) -> None:
    from pydantic import ValidationError

    from finestreta.config import Settings
    from finestreta.context import build_context

    monkeypatch.setenv(variable, value)
    with pytest.raises(
        ValidationError, match=variable.removeprefix("FINESTRETA_COMPLAINTS_OPEN311_").lower()
    ):
        build_context(Settings(_env_file=None, database_url=str(db.engine.url)), db)


def test_keys_are_redacted_from_logs(ctx: Any) -> None:
    key = "o311_" + "Ab-_9" * 8 + "xyz"
    (pattern,) = ctx.procedure("complaints").redact
    assert pattern.sub("[redacted]", f"api_key={key}&x=1") == "api_key=[redacted]&x=1"


def test_a_key_in_a_log_line_is_redacted_by_the_servers_logging(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``finestreta serve`` configures the logging (cli.py: logs.configure with every loaded
    procedure's patterns) before it runs uvicorn: a line logged then, anywhere, carries no key."""
    import uvicorn

    key = "o311_" + "Ab-_9" * 8 + "xyz"
    root = logging.getLogger()
    # a root logger without handlers, as in a fresh server process: configure() adds its own,
    # writing to stderr (captured); both are put back after the test
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    logged: list[str] = []

    def run(app: Any, **options: Any) -> None:  # where uvicorn would serve and log
        access = logging.getLogger("tests.open311.access")
        access.info('127.0.0.1 - "GET /open311/v2/requests.json?api_key=%s HTTP/1.1" 400', key)
        access.warning("form: api_key=%s&service_code=incident-lighting", key)
        logged.append("ran")

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("FINESTRETA_DRAIN_SECONDS", "0")  # uvicorn.run itself, not the drainer
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", database_url)
    monkeypatch.setenv("FINESTRETA_LOG_LEVEL", "info")
    monkeypatch.delenv("FINESTRETA_PROCEDURES", raising=False)  # every installed one
    main(["serve", "--no-migrate"])
    assert logged == ["ran"]
    err = capsys.readouterr().err
    assert "GET /open311/v2/requests.json?api_key=[redacted] HTTP/1.1" in err, err
    assert "form: api_key=[redacted]&service_code=incident-lighting" in err, err
    assert key not in err and key[5:20] not in err


def test_an_oversized_body_is_refused_in_the_spec_format(client: Any, ctx: Any) -> None:
    limit = ctx.settings.max_body_bytes
    body = b"description=" + b"x" * limit
    for fmt in ("json", "xml"):
        answer = client.post(
            f"{V2}/requests.{fmt}",
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert error_of(answer, 413) == "too_large"
    assert count(ctx, CaseRow) == 0


EXTREME_DATES = [
    {"end_date": "0001-01-01T00:00:00Z"},
    {"start_date": "9999-12-31T00:00:00Z"},
    {"start_date": "0001-01-01T00:00:00+14:00"},
    {"end_date": "9999-12-31T23:59:59-14:00"},
    {"start_date": "0001-01-01T00:00:00"},  # the city's zone, before year 1 in UTC
    {"end_date": "9999-12-31"},
    {"start_date": "1969-12-31T23:59:59Z"},
    {"end_date": "2101-01-01T00:00:00Z"},
    {"start_date": "0001-01-01T00:00:00Z", "end_date": "0001-02-01T00:00:00Z"},
]


@pytest.mark.parametrize("params", EXTREME_DATES)
def test_extreme_dates_are_a_bad_parameter_never_a_500(client: Any, params: dict[str, str]) -> None:
    for fmt in ("json", "xml"):
        answer = client.get(f"{V2}/requests.{fmt}", params=params)
        assert error_of(answer, 400) == "open311_bad_parameter", params


def test_the_largest_request_numbers_are_unknown_not_a_500(client: Any) -> None:
    as_json, _ = get(client, "requests", service_request_id="999999999999999999,2147483648")
    assert as_json.json() == []
    for number in ("999999999999999999", "9" * 40, "²", "1²"):
        answer = client.get(f"{V2}/requests/{number}.json")
        assert error_of(answer, 404) == "open311_request_not_found", number
    for numbers in ("²", "1,²", "9" * 19):
        answer = client.get(f"{V2}/requests.json", params={"service_request_id": numbers})
        assert error_of(answer, 400) == "open311_bad_parameter", numbers


PARAMETER = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "2026-12-07", "1,2", "open"]
)


@hypothesis.settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(
    params=st.dictionaries(
        st.sampled_from(["start_date", "end_date", "status", "service_code", "service_request_id"]),
        PARAMETER,
        max_size=3,
    )
)
def test_any_filters_are_an_answer_or_a_400_never_a_500(
    client: Any, params: dict[str, str]
) -> None:
    answer = client.get(f"{V2}/requests.json", params=params)
    assert answer.status_code in (200, 400), (params, answer.text)


def test_the_first_and_last_dates_taken(client: Any) -> None:
    get(client, "requests", start_date="1970-01-01T00:00:00Z")
    get(client, "requests", end_date="1970-01-01T00:00:00Z")  # 90 days before: still 1969
    get(client, "requests", start_date="2100-12-31T23:59:59Z")  # 90 days after: 2101
    get(client, "requests", start_date="2100-12-31T00:00:00-14:00", end_date="2100-12-31T23:59:59Z")


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    moment=st.datetimes(timezones=st.none() | st.timezones() | st.just(UTC)),
    field=st.sampled_from(["start_date", "end_date"]),
)
def test_any_date_is_a_window_or_a_bad_parameter(moment: datetime, field: str) -> None:
    """Whatever the moment: either refused as open311_bad_parameter or a filter whose 90 days'
    window (taken by ``requests``) can be computed and compared in UTC."""
    zone = ZoneInfo("Europe/Madrid")
    try:
        filters = parse_filters({field: moment.isoformat()}, zone)
    except FinestretaError as refused:
        assert refused.code == "open311_bad_parameter"
        return
    given = filters.start or filters.end
    assert given is not None and given.tzinfo is not None
    for edge in (given - WINDOW, given + WINDOW):
        edge.astimezone(UTC)


def test_a_date_without_zone_is_the_citys(client: Any, ctx: Any, streets: None) -> None:
    # 00:30 in Barcelona on 1 December is still 30 November in UTC
    received = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    booth_case(ctx, case_type="incident", theme="lighting", now=received)
    as_json, _ = get(client, "requests", start_date="2026-12-01T00:00:00")
    (found,) = as_json.json()
    assert found["requested_datetime"] == "2026-12-01T00:30:00+01:00"
    as_json, _ = get(client, "requests", start_date="2026-12-01T00:00:00Z")
    assert as_json.json() == []
