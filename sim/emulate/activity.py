"""Wire activity: what the emulator's clients did, counted as it happens, for the
dashboard (:mod:`sim.emulate.dashboard`): NETCONF sessions open and opened, NETCONF rpcs
by operation (``edit-config``, ``get``, ...), RESTCONF data requests by method, and
rpc-errors answered by protocol and error-tag. Everything counting runs in the loop's
thread, so plain integers do.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


class WireActivity:
    """Counts since the emulator started."""

    def __init__(self) -> None:
        self.sessions_open = 0
        self.sessions_opened = 0
        self.netconf_rpcs: Counter[str] = Counter()  # by operation
        self.restconf_requests: Counter[str] = Counter()  # by HTTP method
        self.rpc_errors: Counter[tuple[str, str]] = Counter()  # (protocol, error-tag)

    def session_opened(self) -> None:
        self.sessions_open += 1
        self.sessions_opened += 1

    def session_closed(self) -> None:
        self.sessions_open -= 1

    def netconf_rpc(self, operation: str) -> None:
        self.netconf_rpcs[operation] += 1

    def restconf_request(self, method: str) -> None:
        self.restconf_requests[method] += 1

    def rpc_error(self, protocol: str, tag: str) -> None:
        """An rpc-error answered over ``protocol`` (``netconf`` or ``restconf``)."""
        self.rpc_errors[(protocol, tag)] += 1

    @property
    def edit_configs(self) -> int:
        return self.netconf_rpcs["edit-config"]

    @property
    def restconf_writes(self) -> int:
        """RESTCONF requests that change configuration (all but GET)."""
        return sum(n for method, n in self.restconf_requests.items() if method != "GET")

    def totals(self) -> dict[str, int]:
        """The cumulative counts a dashboard sample keeps."""
        return {"editConfigs": self.edit_configs,
                "netconfRpcs": sum(self.netconf_rpcs.values()),
                "restconfRequests": sum(self.restconf_requests.values()),
                "restconfWrites": self.restconf_writes,
                "rpcErrors": sum(self.rpc_errors.values())}

    def view(self) -> dict[str, Any]:
        """Everything, for the dashboard's state."""
        tags = sorted({tag for _, tag in self.rpc_errors})
        return {"netconfSessionsOpen": self.sessions_open,
                "netconfSessionsOpened": self.sessions_opened,
                "netconfRpcsByOperation": dict(sorted(self.netconf_rpcs.items())),
                "restconfRequestsByMethod": dict(sorted(self.restconf_requests.items())),
                "rpcErrorsByTag": [{"tag": tag, "netconf": self.rpc_errors[("netconf", tag)],
                               "restconf": self.rpc_errors[("restconf", tag)]}
                              for tag in tags],
                **self.totals()}
