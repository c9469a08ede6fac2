"""The kiosk agent's socket as the server sees it: jobs delivered, and what the clerk is told
when the agent goes away with jobs it had not finished."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import ORIGIN, BoothBrowser, ClerkBrowser, open_socket, start_call
from tests.api.test_documents_access import png, upload


def test_jobs_of_a_vanished_agent_go_back_to_the_queue_and_the_clerk_sees_it(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, client: TestClient
) -> None:
    anna, _ = clerk_browser("anna")
    sants, booth = booth_browser("sants")
    agent_headers = {"authorization": f"Kiosk {booth.code}:{booth.secret}"}
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, started, _ = start_call(console, kiosk)
        call_id = started["call_id"]
        document_id = upload(anna, call_id, png()).json()["document_id"]
        with open_socket(client, "/ws/agent", headers=agent_headers) as agent:
            assert agent.expect("hello")["kiosk"]["code"] == booth.code
            console.expect("devices", agent_online=True)
            printed = anna.post(
                f"/api/calls/{call_id}/print", json={"document_id": document_id}, headers=ORIGIN
            )
            assert printed.status_code == 200
            job_id = printed.json()["job_id"]
            job = agent.expect("job", job_id=job_id)
            assert job["kind"] == "print" and job["document"]["id"] == document_id
            console.expect("job", job_id=job_id, state="sent")
            agent.send({"type": "job_status", "job_id": job_id, "state": "received"})
            console.expect("job", job_id=job_id, state="received")
        # the agent is gone before printing: the job waits in the queue again, and the clerk
        # sees that (not a job stuck at "received") and that the agent is offline
        console.expect("job", job_id=job_id, state="queued")
        console.expect("devices", agent_online=False)
        # it comes back: the job is delivered again
        with open_socket(client, "/ws/agent", headers=agent_headers) as agent:
            agent.expect("job", job_id=job_id)
            console.expect("job", job_id=job_id, state="sent")
