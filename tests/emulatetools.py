"""Helpers for the ``omsim emulate`` tests: a tiny scenario, an emulator serving on
loopback free ports from a thread, an ncclient session, RESTCONF calls, edit-configs."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from ncclient import manager

from sim.emulate import Credentials, Emulator, EmulatorThread, build_lab
from sim.scenario.load import scenario_from_dict
from tests.conftest import CATALOG

USER, PASSWORD, TOKEN = "omsim", "lab-password-1", "0123456789abcdef0123"
CREDENTIALS = Credentials(USER, PASSWORD, TOKEN)
ZERO = {"dist": "constant", "value": 0}
NET = "/restconf/data/omsim-network:network"
JSON = {"content-type": "application/yang-data+json"}

LAB: dict[str, Any] = {
    "name": "lab",
    "seed": 5,
    "duration_days": 30,
    "catalog": str(CATALOG),
    "network": {"exchanges": 1, "olts_per_exchange": 2, "line_cards_per_olt": 2,
                "pon_ports_per_line_card": 2, "split_ratio": 32, "bngs": 1, "regions": 1,
                "ipv4_pool_prefix_length": 26, "phone_numbers": 100},
    "workforce": {"technicians": 2},
    "elements": {kind: {"latency_s": ZERO} for kind in
                 ("olt", "bng", "dhcp", "voice_platform", "acs")},
    "arrivals": [{"offering": "SuperFibre 200 Home", "rate_per_day": 1}],
}


def lab_dict(**changes: Any) -> dict[str, Any]:
    """The lab scenario (2 OLTs of 2x2 PON ports, one BNG, answers at once) with
    top-level fields replaced."""
    raw = copy.deepcopy(LAB)
    raw.update(changes)
    return raw


def emulator(raw: dict[str, Any] | None = None, speed: float = 1.0) -> Emulator:
    scenario = scenario_from_dict(raw or lab_dict(), "lab.yaml")
    return Emulator(build_lab(scenario, scenario.seed), speed)


@contextmanager
def serving(raw: dict[str, Any] | None = None, speed: float = 1.0) -> Iterator[EmulatorThread]:
    """An emulator of ``raw`` serving NETCONF and HTTP on loopback free ports."""
    with EmulatorThread(emulator(raw, speed), CREDENTIALS) as lab:
        yield lab


def netconf(lab: EmulatorThread, timeout: float = 10) -> manager.Manager:
    """An ncclient session with the lab, as any client would open one."""
    m = manager.connect(host="127.0.0.1", port=lab.netconf_port, username=USER,
                        password=PASSWORD, hostkey_verify=False, look_for_keys=False,
                        allow_agent=False, timeout=timeout)
    m.timeout = timeout
    return m


def restconf(lab: EmulatorThread, timeout: float = 10) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{lab.http_port}", auth=(USER, PASSWORD),
                        timeout=timeout)


def ont_config(olt: str = "EX01-OLT01", card: int = 1, port: int = 1, ont_id: int = 1,
               serial: str = "ALCL00000001", operation: str | None = None,
               extra: str = "<profile>200M-30M</profile>") -> str:
    """An edit-config ``<config>`` registering one ONT (``operation`` on the ont)."""
    op = (f' xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="{operation}"'
          if operation else "")
    return (f'<config><network xmlns="urn:omsim:yang:omsim-network"><element><name>{olt}'
            f'</name><olt xmlns="urn:omsim:yang:omsim-olt"><pon-port><line-card>{card}'
            f'</line-card><port>{port}</port><ont{op}><ont-id>{ont_id}</ont-id>'
            f'<serial>{serial}</serial>{extra}</ont></pon-port></olt></element></network>'
            '</config>')


def port_filter(olt: str = "EX01-OLT01", card: int = 1, port: int = 1) -> tuple[str, str]:
    """A subtree filter selecting one PON port."""
    return ("subtree", f'<network xmlns="urn:omsim:yang:omsim-network"><element><name>{olt}'
                       f'</name><olt xmlns="urn:omsim:yang:omsim-olt"><pon-port><line-card>'
                       f'{card}</line-card><port>{port}</port></pon-port></olt></element>'
                       '</network>')


def ont_json(ont_id: int = 1, serial: str = "ALCL00000001", **leaves: Any) -> dict[str, Any]:
    return {"omsim-olt:ont": [{"ont-id": ont_id, "serial": serial, "profile": "200M-30M",
                               **leaves}]}
