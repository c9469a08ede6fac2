"""A scan the clerk asks for waits until the citizen has placed the document: the booth shows a
"scan" button (scan_ready) and the console a "Scan now"; nothing reaches the agent before."""

from __future__ import annotations

from finestreta.context import AppContext
from finestreta.devices.records import DeviceJobRow
from tests.api.conftest import ORIGIN, BoothBrowser, ClerkBrowser, open_socket, start_call


def job_row(ctx: AppContext, job_id: str) -> DeviceJobRow:
    with ctx.db.session() as session:
        row = session.get(DeviceJobRow, job_id)
        assert row is not None
        session.expunge(row)
        return row


def test_the_citizen_releases_the_scan(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, ctx: AppContext
) -> None:
    anna, _ = clerk_browser("anna")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, call, _ = start_call(console, kiosk)
        path = f"/api/calls/{call['call_id']}/scan"
        answer = anna.post(path, json={"source": "feeder"}, headers=ORIGIN).json()
        job_id = answer["job_id"]
        assert answer["waiting_for_citizen"] is True
        asked = kiosk.expect("device_prompt", job_id=job_id)
        assert (asked["prompt"], asked["source"], asked["confirm"]) == (
            "place_on_scanner",
            "feeder",
            True,
        )
        assert console.expect("job", job_id=job_id)["waiting_for_citizen"] is True
        assert job_row(ctx, job_id).params["ready"] is False

        # a wrong or made-up job id is refused without losing the socket
        kiosk.send({"type": "scan_ready", "job_id": "nope", "ref": "r1"})
        assert kiosk.expect("error", ref="r1")["code"] == "no_job"
        kiosk.send({"type": "scan_ready", "job_id": "../etc", "ref": "r2"})
        assert kiosk.expect("error", ref="r2")["code"] == "invalid"

        kiosk.send({"type": "scan_ready", "job_id": job_id})
        released = console.expect("job", job_id=job_id)
        assert released["waiting_for_citizen"] is False
        row = job_row(ctx, job_id)
        assert row.params["ready"] is True and row.state == "queued"  # the agent is offline


def test_the_clerk_may_start_it_and_nobody_else(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, ctx: AppContext
) -> None:
    anna, _ = clerk_browser("anna")
    jordi, _ = clerk_browser("jordi")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, call, _ = start_call(console, kiosk)
        base = f"/api/calls/{call['call_id']}"
        job_id = anna.post(f"{base}/scan", json={}, headers=ORIGIN).json()["job_id"]
        start = f"{base}/scan/{job_id}/start"
        assert jordi.post(start, headers=ORIGIN).status_code == 404
        assert sants.post(start, headers=ORIGIN).status_code == 401
        assert anna.post(start, headers={"origin": "http://evil.example"}).status_code == 403
        assert job_row(ctx, job_id).params["ready"] is False
        assert anna.post(f"{base}/scan/not-a-job/start", headers=ORIGIN).status_code == 404
        assert anna.post(start, headers=ORIGIN).status_code == 200
        assert job_row(ctx, job_id).params["ready"] is True


def test_a_booth_page_that_comes_back_is_asked_again(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, ctx: AppContext
) -> None:
    anna, _ = clerk_browser("anna")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console:
        console.expect("hello")
        with open_socket(sants, "/ws/kiosk") as kiosk:
            kiosk.expect("hello")
            _, call, _ = start_call(console, kiosk)
            job_id = anna.post(
                f"/api/calls/{call['call_id']}/scan", json={}, headers=ORIGIN
            ).json()["job_id"]
            kiosk.expect("device_prompt", job_id=job_id)
        # the booth page reloads within the grace period: the scan still waits for the citizen
        with open_socket(sants, "/ws/kiosk") as again:
            hello = again.expect("hello")
            assert hello["call"]["call_id"] == call["call_id"]
            asked = again.expect("device_prompt", job_id=job_id)
            assert asked["confirm"] is True
