"""A small TMF622 order manager for the drive tests, that misbehaves on purpose.

:class:`FakeTarget` serves ``/tmf-api/productOrderingManagement/v4`` on a free loopback
port from a thread (the standard library's HTTP server, so that it can drop a connection
without a word), keeps orders in memory, moves each through ``inProgress`` to its end on
a timer thread and tells the registered hub listener. What goes wrong, and for which
orders (by the order's number, 1, 2, ... in the order they were created), is a
:class:`Misbehaviour`; the fake records what it did (:class:`Did`) so that a test can
hold drive's report against it.
"""

from __future__ import annotations

import heapq
import itertools
import json
import queue
import socket
import threading
import time
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

BASE = "/tmf-api/productOrderingManagement/v4"
DELIVERY_THREADS = 8


def every(k: int, n: int) -> bool:
    """Order ``n`` is one of every ``k`` (0: none)."""
    return k > 0 and n % k == 0


@dataclass(frozen=True)
class Misbehaviour:
    """What the fake does wrong, each for one order in ``k`` (0: never)."""

    # By request (numbered by Idempotency-Key), on its first POST, not applied:
    status_503: int = 0  # answered 503
    status_500: int = 0  # answered 500
    no_id: int = 0  # answered 201 without an id
    html: int = 0  # answered 200 with an HTML page
    # By order (numbered as created):
    drop: int = 0  # the POST is applied, then the connection closed unanswered
    slow: int = 0  # the POST answered after slow_s (applied at once)
    slow_s: float = 0.0
    duplicate: int = 0  # the final notification sent again, with the same eventId and a new one
    out_of_order: int = 0  # inProgress notified after the final state
    lost: int = 0  # no notification at all: only polling sees it
    never_end: int = 0  # stays inProgress
    fail: int = 0  # ends failed, saying why in errorMessage
    malformed_notification: int = 0  # an extra notification that is no TMF event
    in_progress_s: float = 0.02  # wall seconds from creation to inProgress
    end_s: float = 0.1  # wall seconds from creation to the end
    hub: bool = True  # whether POST /hub works (404 otherwise)
    list_answer: str = "list"  # GET productOrder: list | html | 404 | 500


@dataclass
class Did:
    """What the fake did."""

    created: int = 0  # orders created (one per Idempotency-Key)
    posts: list[dict[str, str]] = field(default_factory=list)  # headers of every POST
    post_times: list[float] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)  # bodies of created orders
    answered: Counter[str] = field(default_factory=Counter)  # what it did to POSTs
    notified: Counter[str] = field(default_factory=Counter)  # what it sent to the hub
    gets: dict[str, list[float]] = field(default_factory=dict)  # order id -> GET times
    cancels: list[dict[str, Any]] = field(default_factory=list)
    patches: list[dict[str, Any]] = field(default_factory=list)
    ended: Counter[str] = field(default_factory=Counter)  # final state -> orders
    never_ended: list[str] = field(default_factory=list)
    lost_orders: set[str] = field(default_factory=set)  # ids whose notifications were lost
    answered_late: set[str] = field(default_factory=set)  # ids first answered by a retry
    hub_deleted: bool = False


class FakeTarget:
    """The fake on a free port; a context manager that starts and stops it."""

    def __init__(self, misbehaviour: Misbehaviour | None = None, api_key: str = "") -> None:
        self.bad = misbehaviour or Misbehaviour()
        self.api_key = api_key
        self.did = Did()
        self.orders: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}  # Idempotency-Key -> order id
        self.requests: dict[str, int] = {}  # Idempotency-Key -> request number
        self.attempts: Counter[int] = Counter()  # request number -> POSTs
        self.callback = ""
        self._lock = threading.RLock()
        self._timers: list[tuple[float, int, Any]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition(self._lock)
        self._stop = threading.Event()
        self.server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{BASE}"
        # Notifications go out from several threads, those of one order from one thread
        # (in order), as a hub with a delivery queue per subscriber partition would.
        self._outboxes: list[queue.Queue[Any]] = [queue.Queue() for _ in range(DELIVERY_THREADS)]
        self._threads = [threading.Thread(target=self.server.serve_forever, daemon=True),
                         threading.Thread(target=self._timer_loop, daemon=True),
                         *(threading.Thread(target=self._deliver, args=(box,), daemon=True)
                           for box in self._outboxes)]
        self._http = httpx.Client(timeout=2.0)

    def __enter__(self) -> FakeTarget:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        for box in self._outboxes:
            box.put(None)
        with self._wake:
            self._wake.notify_all()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._http.close()

    # -- orders ---------------------------------------------------------------------------
    def create(self, body: dict[str, Any], key: str) -> tuple[dict[str, Any], int, bool]:
        """(document, its number, whether it is new) for a POST with ``key``."""
        with self._lock:
            if key and key in self.keys:
                doc = self.orders[self.keys[key]]
                return doc, doc["_n"], False
            self.did.created += 1
            n = self.did.created
            order_id = f"PO-{n:05d}"
            items = []
            for item in body.get("productOrderItem") or ():
                product = dict(item.get("product") or {})
                if item.get("action") == "add":
                    product["id"] = f"PR-{n:05d}-{item.get('id')}"
                items.append({**item, "state": "acknowledged", "product": product})
            doc = {"id": order_id, "href": f"{self.url}/productOrder/{order_id}",
                   "state": "acknowledged", "externalId": body.get("externalId"),
                   "category": body.get("category"), "productOrderItem": items, "_n": n}
            self.orders[order_id] = doc
            if key:
                self.keys[key] = order_id
            self.did.bodies.append(body)
            self._plan(doc, n)
            return doc, n, True

    def _plan(self, doc: dict[str, Any], n: int) -> None:
        bad = self.bad
        self._after(bad.in_progress_s, self._move, doc["id"], "inProgress")
        if every(bad.never_end, n):
            self.did.never_ended.append(doc["id"])
            return
        final = "failed" if every(bad.fail, n) else "completed"
        self._after(bad.end_s, self._move, doc["id"], final)

    def _move(self, order_id: str, state: str) -> None:
        with self._lock:
            doc = self.orders[order_id]
            if doc["state"] in ("completed", "failed", "cancelled"):
                return
            doc["state"] = state
            for item in doc["productOrderItem"]:
                item["state"] = state
            if state == "failed":
                doc["errorMessage"] = [{"code": "resourceExhausted",
                                        "reason": f"no free port at {order_id}"}]
            if state in ("completed", "failed", "cancelled"):
                self.did.ended[state] += 1  # under the lock already
            snapshot = public(doc)
            n = doc["_n"]
        self._notify(snapshot, n, state)

    def _notify(self, doc: dict[str, Any], n: int, state: str) -> None:
        bad = self.bad
        if every(bad.lost, n):
            self.count(self.did.notified, "lost")
            self.did.lost_orders.add(doc["id"])
            return
        final = state != "inProgress"
        if state == "inProgress" and every(bad.out_of_order, n):
            # Held back and sent after the final state, with its own (older) date.
            with self._lock:
                self.orders[doc["id"]]["_held_event"] = event(doc)
            return
        envelope = event(doc)
        self._post(envelope, "sent")
        if final and every(bad.duplicate, n):
            self._post(envelope, "duplicate_same_id")
            self._post({**envelope, "eventId": uuid.uuid4().hex}, "duplicate_new_id")
        if final and every(bad.out_of_order, n):
            with self._lock:
                held = self.orders[doc["id"]].pop("_held_event", None)
            self._post(held or event({**doc, "state": "inProgress"}, older_s=0.05),
                       "out_of_order")
        if final and every(bad.malformed_notification, n):
            self._post({"not": "an event"}, "malformed")

    def _post(self, envelope: dict[str, Any], what: str) -> None:
        if self.callback:
            order = ((envelope.get("event") or {}).get("productOrder") or {}).get("id", "")
            box = self._outboxes[zlib.crc32(order.encode()) % DELIVERY_THREADS]
            box.put((envelope, what))

    def _deliver(self, box: queue.Queue[Any]) -> None:
        while (job := box.get()) is not None:
            envelope, what = job
            try:
                self._http.post(self.callback, json=envelope)
                self.count(self.did.notified, what)
            except httpx.HTTPError:
                self.count(self.did.notified, "undeliverable")

    def count(self, counter: Counter[str], key: str) -> None:
        with self._lock:
            counter[key] += 1

    def cancel(self, body: dict[str, Any]) -> dict[str, Any]:
        ref = body.get("productOrder") or {}
        self.did.cancels.append(body)
        task = {"id": f"CPO-{len(self.did.cancels)}", "state": "acknowledged",
                "productOrder": ref}
        if ref.get("id") in self.orders:
            self._after(0.01, self._move, ref["id"], "cancelled")
        return task

    # -- the timer thread -----------------------------------------------------------------
    def _after(self, delay_s: float, fn: Any, *args: Any) -> None:
        with self._wake:
            heapq.heappush(self._timers, (time.monotonic() + delay_s, next(self._seq),
                                          (fn, args)))
            self._wake.notify()

    def _timer_loop(self) -> None:
        while not self._stop.is_set():
            with self._wake:
                while not self._stop.is_set() and (
                        not self._timers or self._timers[0][0] > time.monotonic()):
                    wait = self._timers[0][0] - time.monotonic() if self._timers else 1.0
                    self._wake.wait(max(0.001, min(wait, 1.0)))
                if self._stop.is_set():
                    return
                _, _, (fn, args) = heapq.heappop(self._timers)
            fn(*args)


def event(doc: dict[str, Any], older_s: float = 0.0) -> dict[str, Any]:
    """A TMF event envelope for ``doc``, dated now (less ``older_s``)."""
    moment = datetime.fromtimestamp(time.time() - older_s, UTC)
    kind = "ProductOrderStateChangeEvent"
    return {"eventId": uuid.uuid4().hex, "eventType": kind,
            "eventTime": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "event": {"productOrder": public(doc)}}


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without the fake's own keys (``_n``, ``_held_event``)."""
    return json.loads(json.dumps({k: v for k, v in doc.items() if not k.startswith("_")}))


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up on a slow answer (its timeout) is part of the test."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def _handler(fake: FakeTarget) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any = None, kind: str = "application/json"
                  ) -> None:
            data = b"" if body is None else (body.encode() if isinstance(body, str)
                                             else json.dumps(body).encode())
            self.send_response(status)
            if data:
                self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"null")

        def _path(self) -> str | None:
            path = self.path.split("?", 1)[0]
            if fake.api_key and self.headers.get("X-API-Key") != fake.api_key:
                self._send(401, {"code": "401", "reason": "API key"})
                return None
            if not path.startswith(BASE):
                self._send(404, "<html><body>Not here</body></html>", "text/html")
                return None
            return path[len(BASE):]

        def do_GET(self) -> None:
            path = self._path()
            if path is None:
                return
            if path == "/productOrder":
                answer = fake.bad.list_answer
                if answer == "html":
                    self._send(200, "<!doctype html><html>a shop</html>", "text/html")
                elif answer in ("404", "500"):
                    self._send(int(answer), {"code": answer})
                else:
                    self._send(200, [])
                return
            order_id = path.rpartition("/")[2]
            with fake._lock:
                fake.did.gets.setdefault(order_id, []).append(time.monotonic())
                doc = fake.orders.get(order_id)
                doc = public(doc) if doc else None
            self._send(200, doc) if doc else self._send(404, {"code": "404"})

        def do_POST(self) -> None:
            path = self._path()
            if path is None:
                return
            body = self._body()
            if path == "/hub":
                if not fake.bad.hub:
                    self._send(404, {"code": "404"})
                    return
                fake.callback = body["callback"]
                self._send(201, {"id": "hub-1", "callback": fake.callback})
            elif path == "/cancelProductOrder":
                self._send(201, fake.cancel(body))
            elif path == "/productOrder":
                self._create(body)
            else:
                self._send(404, {"code": "404"})

        def _create(self, body: dict[str, Any]) -> None:
            key = self.headers.get("Idempotency-Key", "")
            with fake._lock:
                fake.did.posts.append(dict(self.headers))
                fake.did.post_times.append(time.monotonic())
                # Requests are numbered by key (each key one request, however often
                # it is sent); orders by creation.
                k = fake.requests.setdefault(key or f"(none {len(fake.did.posts)})",
                                             len(fake.requests) + 1)
                fake.attempts[k] += 1
                first = fake.attempts[k] == 1
            bad = fake.bad
            for every_k, what, status, body_out, kind in (
                    (bad.status_503, "503", 503, {"code": "503"}, "application/json"),
                    (bad.status_500, "500", 500, {"code": "500"}, "application/json"),
                    (bad.no_id, "no_id", 201, {"state": "acknowledged"}, "application/json"),
                    (bad.html, "html", 200, "<html>thanks!</html>", "text/html")):
                if first and every(every_k, k):
                    fake.count(fake.did.answered, what)
                    self._send(status, body_out, kind)
                    return
            doc, n, new = fake.create(body, key)
            if new and (every(bad.drop, n) or every(bad.slow, n)):
                with fake._lock:
                    fake.did.answered_late.add(doc["id"])
            if new and every(bad.drop, n):
                fake.count(fake.did.answered, "dropped")
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if new and every(bad.slow, n):
                fake.count(fake.did.answered, "slow")
                time.sleep(bad.slow_s)
            fake.count(fake.did.answered, "created" if new else "replayed")
            self._send(201, public(doc))

        def do_PATCH(self) -> None:
            path = self._path()
            if path is None:
                return
            body = self._body()
            order_id = path.rpartition("/")[2]
            fake.did.patches.append(body)
            with fake._lock:
                doc = fake.orders.get(order_id)
                ended = doc is not None and doc["state"] in ("completed", "failed",
                                                             "cancelled")
                doc = public(doc) if doc else None
            if doc is None:
                self._send(404, {"code": "404"})
            elif ended:
                self._send(409, {"code": "409", "reason": "the order has ended"})
            else:
                self._send(200, doc)

        def do_DELETE(self) -> None:
            if self._path() is not None:
                fake.did.hub_deleted = True
                self._send(204)

    return Handler
