"""The dashboards' HTTP side without a browser, against ``omsim serve --api-key`` in
another process: every dashboard path needs the key (the page asks for it, the rest is a
401 Error), the login sets a cookie that is not the key and opens the page and its event
stream, the stream sends the run's state with history samples, and a server stopped with
an event stream open still exits at once and cleanly; and against ``omsim emulate``'s
lab from a thread, whose dashboard needs the emulator's user and password."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import httpx

from tests.emulatetools import JSON, NET, PASSWORD, USER, lab_dict, ont_json, restconf, serving
from tests.livetools import Server, live_scenario, wait_for, write_scenario

KEY = "dashboard-api-key"


def test_the_dashboard_needs_the_key_and_streams_the_run(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, live_scenario())
    server = Server(scenario, tmp_path / "d.sqlite", 20_000, "--api-key", KEY,
                    "--background-arrivals")
    try:
        wait_for(lambda: _answers(server), 60, "the server to answer")
        with httpx.Client(base_url=server.url, timeout=10) as client:
            page = client.get("/omsim/ui")
            assert page.status_code == 401 and 'name="api_key"' in page.text  # the form
            for path in ("/omsim/ui/events", "/omsim/ui/state", "/omsim/ui/vocabulary",
                         "/metrics", "/omsim/faults"):
                refused = client.get(path)
                assert refused.status_code == 401 and refused.json()["@type"] == "Error"
            wrong = client.post("/omsim/ui/login", data={"api_key": "guess"})
            assert wrong.status_code == 401 and "not the key" in wrong.text
            login = client.post("/omsim/ui/login", data={"api_key": KEY})
            assert login.status_code == 303 and login.headers["location"] == "/omsim/ui"
            cookie = login.headers["set-cookie"]
            assert KEY not in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
            assert client.get("/omsim/ui").status_code == 200  # the cookie opens it
            assert client.get("/omsim/ui/static/uPlot.iife.min.js").status_code == 200
            assert client.get("/omsim/ui/static/../serve.py").status_code == 404
            states = []
            with client.stream("GET", "/omsim/ui/events") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        states.append(json.loads(line[6:]))
                    if len(states) == 2:
                        break
                assert states[1]["simulatedSeconds"] > states[0]["simulatedSeconds"]
                assert states[0]["points"] and states[0]["orders"]["submitted"] >= 0
                # Only what is new comes the second time.
                assert all(p["seq"] > states[0]["seq"] for p in states[1]["points"])
                began = time.monotonic()
                server.process.send_signal(signal.SIGTERM)  # with the stream still open
                assert server.process.wait(timeout=15) == 0
                assert time.monotonic() - began < 10
    finally:
        server.stop()


def _answers(server: Server) -> bool:
    if server.process.poll() is not None:
        raise AssertionError(server.log.read_text())
    try:
        return httpx.get(f"{server.url}/omsim/status", headers={"X-API-Key": KEY},
                         timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_lab_dashboard_needs_the_login_and_streams_the_wire() -> None:
    """omsim emulate's dashboard: the page asks for the emulator's user and password,
    everything else is a 401 without them; HTTP basic auth (as RESTCONF) or the login's
    cookie (not the password) opens it; the event stream sends the moving clock, only
    new samples, and a RESTCONF PUT in the wire activity."""
    with serving(lab_dict(), speed=3600) as lab, \
            httpx.Client(base_url=f"http://127.0.0.1:{lab.http_port}", timeout=10) as client:
        page = client.get("/omsim/ui")
        assert page.status_code == 401 and 'name="password"' in page.text
        for path in ("/omsim/ui/events", "/omsim/ui/state", "/omsim/ui/static/lab.js"):
            assert client.get(path).status_code == 401, path
        assert client.get("/omsim/ui/state", auth=(USER, PASSWORD)).status_code == 200
        wrong = client.post("/omsim/ui/login", data={"user": USER, "password": "guess"})
        assert wrong.status_code == 401 and "not the user and password" in wrong.text
        login = client.post("/omsim/ui/login", data={"user": USER, "password": PASSWORD})
        assert login.status_code == 303 and login.headers["location"] == "/omsim/ui"
        cookie = login.headers["set-cookie"]
        assert PASSWORD not in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert client.get("/omsim/ui").status_code == 200  # the cookie opens it
        assert client.get("/omsim/ui/static/../http.py").status_code == 404
        states = []
        with client.stream("GET", "/omsim/ui/events") as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    states.append(json.loads(line[6:]))
                    if len(states) == 1:
                        with restconf(lab) as rc:
                            assert rc.put(f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,1"
                                          "/ont=1", json=ont_json(), headers=JSON
                                          ).status_code == 201
                if len(states) == 2:
                    break
        assert states[1]["simulatedSeconds"] > states[0]["simulatedSeconds"]
        assert all(p["seq"] > states[0]["seq"] for p in states[1]["points"])
        assert states[0]["wire"]["restconfWrites"] == 0
        assert states[1]["wire"]["restconfRequestsByMethod"] == {"PUT": 1}
        assert states[1]["pools"]["ont_id"]["inUse"] == 1
