"""A well-known Open311 client from PyPI (``georeport``) against the real app served by uvicorn
on loopback: it lists the services, reads a definition, and reads back a request filed through
the API, in JSON and in XML. georeport 0.3.1 has no method to file a request, so the POST goes
through ``requests``, the HTTP library georeport itself uses, as its form. And the rate limit
with POSTs arriving at once on a real server."""

from __future__ import annotations

import pytest
import requests
from fastapi import FastAPI
from georeport import GeoReport

from finestreta.db import Database
from finestreta.streets.synthetic import seed_demo
from tests.conftest import free_socket, uvicorn_on
from tests.procedures.complaints.open311_helpers import make_key


@pytest.mark.slow
def test_the_georeport_client_lists_services_and_reads_back_a_request(
    app: FastAPI, db: Database
) -> None:
    with db.session() as session:
        seed_demo(session)
    with uvicorn_on(app, free_socket()) as origin:
        root = f"{origin}/open311/v2"
        key = make_key(app.state.ctx, "georeport")
        for fmt in ("json", "xml"):
            client = GeoReport(root, jurisdiction="finestreta", api_key=key, output_format=fmt)
            services = client.get_service_list()
            codes = [s["service_code"] for s in services]
            assert "incident-lighting" in codes and "complaint-roads" in codes
            assert "complaint-noise" not in codes  # about people (neighbours)
            definition = client.get_service_definition("incident-lighting")
            attribute = definition["attributes"]
            if fmt == "xml":  # xmltodict: one attribute is a dict, its values a list of dicts
                attribute = attribute["attribute"]
                values = attribute["values"]["value"]
            else:
                attribute = attribute[0]
                values = attribute["values"]
            assert attribute["code"] == "language"
            assert [v["key"] for v in values] == ["ca", "es", "en"]

            filed = requests.post(
                f"{root}/requests.json",
                data={
                    "api_key": client.api_key,
                    "jurisdiction_id": client.jurisdiction,
                    "service_code": "incident-lighting",
                    "lat": "41.3995",
                    "long": "2.1617",
                    "description": f"Lamp off ({fmt})",
                    "email": "pau@example.cat",
                    "attribute[language]": "en",
                },
                timeout=10,
            )
            assert filed.status_code == 201, filed.text
            number = filed.json()[0]["service_request_id"]

            one = client.get_service_request(number)
            assert one["service_request_id"] == number
            assert one["service_code"] == "incident-lighting" and one["status"] == "open"
            assert "pau@example.cat" not in str(one)
            listed = client.get_service_requests(service_code="incident-lighting", status="open")
            if fmt == "xml" and isinstance(listed, dict):  # xmltodict: one request is a dict
                listed = [listed]
            assert number in [r["service_request_id"] for r in listed]


@pytest.mark.slow
def test_the_rate_limit_holds_for_posts_at_once(app: FastAPI, db: Database) -> None:
    """Eight POSTs of one key at the same moment with a limit of 3: exactly 3 are filed
    (PostgreSQL: the key's row is locked while filing; SQLite: one at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    from finestreta.procedures.complaints.open311.settings import Open311Settings

    with db.session() as session:
        seed_demo(session)
    with uvicorn_on(app, free_socket()) as origin:
        complaints = app.state.ctx.procedure("complaints")
        complaints.open311_settings = Open311Settings(_env_file=None, posts_per_minute=3)
        key = make_key(app.state.ctx)
        form = {
            "api_key": key,
            "service_code": "incident-lighting",
            "address_id": "D001/401",
            "description": "Lamp off",
        }

        def file(_: int) -> int:
            answer = requests.post(f"{origin}/open311/v2/requests.json", data=form, timeout=20)
            return answer.status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = sorted(pool.map(file, range(8)))
    assert statuses == [201] * 3 + [429] * 5
