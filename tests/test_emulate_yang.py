"""The YANG modules ``omsim emulate`` ships: clean under pyang's lint, loaded by yangson,
and the sparse validation of each edit agreeing with a validation of the whole tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from sim.emulate.edit import apply, elements_of
from sim.emulate.edit_json import build, resolve
from sim.emulate.model import MODULES, yang_dir
from tests.emulatetools import emulator, ont_json


def test_every_module_is_shipped_and_lint_clean():
    """pyang --lint (RFC 8407's generic rules): no error, no warning, on every module."""
    shipped = sorted(Path(yang_dir()).glob("*.yang"))
    assert {p.name for p in shipped} == {f"{m.name}@{m.revision}.yang" for m in MODULES}
    exe = shutil.which("pyang") or str(Path(sys.executable).parent / "pyang")
    ours = [str(p) for p in shipped if p.name.startswith("omsim-")]
    lint = subprocess.run([exe, "--lint", "-p", yang_dir(), *ours], capture_output=True,
                          text=True, timeout=60)
    assert (lint.returncode, lint.stdout, lint.stderr) == (0, "", "")
    assert (Path(yang_dir()) / "LICENSE-ietf-inet-types.md").is_file()


def test_what_each_edit_validated_alone_the_whole_tree_validates():
    """Sparse validation (only the units an edit reached) misses nothing a validation of
    the whole datastore would catch, after edits on every kind of element."""
    lab = emulator()
    write = lab.changes.make

    def put(path: str, body: dict) -> None:
        target = resolve(lab.model, path.strip("/").split("/"))
        edit, _ = build(lab.model, target, "POST", body)
        write(lambda journal: apply(lab.datastore.network, edit, "none", journal),
              elements_of(edit))
    net = "omsim-network:network"
    put(f"{net}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,1", ont_json(1, **{"s-vlan": 101}))
    put(f"{net}/element=BNG01/omsim-bng:bng", {"omsim-bng:subscriber-session": [
        {"s-vlan": 101, "c-vlan": 7, "speed-profile": "200M-30M",
         "ipv4-address": "100.64.0.9"}]})
    put(f"{net}/element=BNG01-DHCP/omsim-dhcp:dhcp", {"omsim-dhcp:reservation": [
        {"ipv4-address": "100.64.0.9", "s-vlan": 101, "c-vlan": 7, "static": True}]})
    put(f"{net}/element=voice-platform/omsim-voice:voice", {"omsim-voice:number": [
        {"e164": "+442079460001", "sip-user": "l1"}]})
    put(f"{net}/element=acs/omsim-acs:acs", {"omsim-acs:cpe": [
        {"serial": "CPE1", "ssid": [{"name": "home"}, {"name": "guest", "security": "wpa2"}]}]})
    lab.datastore.validate_all()
