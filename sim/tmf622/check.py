"""Is there a TMF622 order manager at a base URL, and does it take our API key? One
read (``GET productOrder?limit=1``) answers all three; :func:`judge` says what is wrong
in one line (``omsim drive``'s target, ``omsim serve --partner``'s wholesaler)."""

from __future__ import annotations

from sim.tmf622.target import Answer

BASE_PATH = "/productOrderingManagement/v4"


def judge(answer: Answer, api_key: str | None, timeout_s: float, base_url: str,
          key_option: str = "--api-key") -> str:
    """What is wrong with the endpoint, judged by its answer to the list ("" if
    nothing); ``key_option`` is the option that gives the key."""
    status = answer.status
    if answer.problem == "connect":
        return "cannot connect (nothing listens there, or the host cannot be reached)"
    if answer.problem == "timeout":
        return f"no answer to GET productOrder within {timeout_s:g} s"
    if answer.problem == "dropped":
        return "closed the connection without answering GET productOrder"
    if status in (401, 403):
        return (f"refused the API key (HTTP {status}); check {key_option}" if api_key else
                f"needs an API key (HTTP {status}); give {key_option}")
    if status in (404, 405):
        return f"GET productOrder answered {status}: not a TMF622 endpoint{_hint(base_url)}"
    if status >= 500:
        return f"answered GET productOrder with {status}: the endpoint is not healthy"
    if not 200 <= status < 300:
        return f"answered GET productOrder with {status}, not a list of product orders"
    if not isinstance(answer.doc, list):
        what = answer.content_type.split(";")[0] or "no content type"
        return (f"GET productOrder answered {what}, not a JSON list of product orders: "
                f"not a TMF622 endpoint{_hint(base_url)}")
    return ""


def key_problem(api_key: str | None) -> str:
    """What is wrong with an API key before anything is sent ("" if nothing): it goes in
    an HTTP header, which takes printable ASCII only (httpx raises on anything else)."""
    if api_key and not (api_key.isascii() and api_key.isprintable()):
        return "must be printable ASCII (it is sent as the X-API-Key header)"
    return ""


def _hint(base_url: str) -> str:
    if base_url.endswith(BASE_PATH):
        return ""
    return (f" (give the TMF622 base path, the one that ends in {BASE_PATH}, e.g. "
            f"http://127.0.0.1:8622/tmf-api{BASE_PATH})")
