"""NETCONF over SSH against ``omsim emulate``, with ncclient as any client would use it:
the hello, edits with every RFC 6241 operation, subtree filters with operational state,
rpc-errors that name the path, locks and killed sessions."""

from __future__ import annotations

import pytest
from lxml import etree
from ncclient.operations import RPCError

from tests.emulatetools import netconf, ont_config, port_filter, serving

OLT_NS = {"o": "urn:omsim:yang:omsim-olt"}


@pytest.fixture(scope="module")
def lab():
    with serving() as running:
        yield running


@pytest.fixture
def m(lab):
    session = netconf(lab)
    yield session
    if session.connected:
        session.close_session()


def onts(reply, port=None) -> dict[int, etree._Element]:
    data = reply.data_ele
    path = ".//o:pon-port" + (f"[o:port='{port}']" if port else "") + "/o:ont"
    return {int(o.findtext("o:ont-id", namespaces=OLT_NS)): o
            for o in data.iterfind(path, OLT_NS)}


def error_of(call) -> RPCError:
    with pytest.raises(RPCError) as caught:
        call()
    return caught.value


def test_the_hello_offers_netconf_1_1_and_every_omsim_module(m):
    """A client learns the data model from the hello alone."""
    caps = set(m.server_capabilities)
    assert "urn:ietf:params:netconf:base:1.1" in caps
    for module in ("omsim-network", "omsim-olt", "omsim-bng", "omsim-dhcp", "omsim-voice",
                   "omsim-acs"):
        assert f"urn:omsim:yang:{module}?module={module}&revision=2026-12-01" in caps
    assert m.session_id


def test_an_ont_created_reads_back_through_a_subtree_filter(m):
    """What was configured is what get-config returns, and the filter keeps one port."""
    m.edit_config(target="running", config=ont_config(port=1, ont_id=7, serial="ALCL00000007",
                                                      operation="create"))
    m.edit_config(target="running", config=ont_config(port=2, ont_id=8, serial="ALCL00000008"))
    reply = m.get_config(source="running", filter=port_filter(port=1))
    found = onts(reply)
    assert list(found) == [7]
    assert found[7].findtext("o:serial", namespaces=OLT_NS) == "ALCL00000007"
    assert onts(m.get_config(source="running", filter=port_filter(port=2))).keys() == {8}


def test_get_shows_the_ont_pending_until_the_install_visit_brings_it_online(m, lab):
    """Operational state: configured is not in service until a technician fitted it."""
    m.edit_config(target="running", config=ont_config(card=2, ont_id=3, serial="ALCL00000203"))
    state = onts(m.get(filter=port_filter(card=2)))[3].findtext("o:oper-state",
                                                                namespaces=OLT_NS)
    assert state == "pending-install"
    assert onts(m.get_config(source="running", filter=port_filter(card=2)))[3].find(
        "o:oper-state", OLT_NS) is None  # state data is not configuration
    assert lab.emulator.change_threadsafe(
        lambda: lab.emulator.set_ont_online("EX01-OLT01", 2, 1, 3)).result(5)
    state = onts(m.get(filter=port_filter(card=2)))[3].findtext("o:oper-state",
                                                                namespaces=OLT_NS)
    assert state == "online"


def test_refusals_are_rpc_errors_naming_the_node(m):
    """A client can tell what was wrong, and where, without parsing a message."""
    config = ont_config(olt="EX01-OLT02", ont_id=1, operation="create")
    m.edit_config(target="running", config=config)
    twice = error_of(lambda: m.edit_config(target="running", config=config))
    assert (twice.tag, twice.type) == ("data-exists", "application")
    assert twice.path.endswith("/omolt:ont[omolt:ont-id='1']")
    assert "omn:element[omn:name='EX01-OLT02']" in twice.path
    vlan = error_of(lambda: m.edit_config(target="running", config=ont_config(
        olt="EX01-OLT02", ont_id=2, serial="ALCL00000002",
        extra="<profile>p</profile><c-vlan>5000</c-vlan>")))
    assert vlan.tag == "invalid-value" and vlan.path.endswith("/omolt:c-vlan")
    assert "5000" in vlan.message
    colour = error_of(lambda: m.edit_config(target="running", config=ont_config(
        olt="EX01-OLT02", ont_id=2, serial="ALCL00000002", extra="<colour>red</colour>")))
    assert colour.tag == "unknown-element" and "colour" in colour.info
    missing = error_of(lambda: m.edit_config(target="running", config=ont_config(
        olt="EX01-OLT02", ont_id=2, serial="ALCL00000002", extra="")))
    assert missing.tag == "missing-element" and "profile" in missing.message
    split = error_of(lambda: m.edit_config(target="running", config=ont_config(
        olt="EX01-OLT02", ont_id=40, serial="ALCL00000040")))
    assert split.tag == "invalid-value" and "1 to 32" in split.message
    assert onts(m.get_config(source="running", filter=port_filter(olt="EX01-OLT02"))
                ).keys() == {1}


def test_merge_replace_delete_and_remove_follow_rfc_6241(m):
    """The five operations, on one ONT."""
    where = {"olt": "EX01-OLT02", "card": 2, "port": 2, "ont_id": 4, "serial": "ALCL00000004"}
    got = lambda: onts(m.get_config(source="running",  # noqa: E731
                                    filter=port_filter("EX01-OLT02", 2, 2))).get(4)
    m.edit_config(target="running", config=ont_config(
        **where, extra="<profile>100M</profile><c-vlan>300</c-vlan>"))
    m.edit_config(target="running", config=ont_config(**where, extra="<profile>1G</profile>"))
    assert (got().findtext("o:profile", namespaces=OLT_NS),
            got().findtext("o:c-vlan", namespaces=OLT_NS)) == ("1G", "300")  # merged
    m.edit_config(target="running", config=ont_config(**where, operation="replace",
                                                      extra="<profile>2G</profile>"))
    assert got().find("o:c-vlan", OLT_NS) is None  # replaced whole
    m.edit_config(target="running", config=ont_config(**where, operation="delete"))
    assert got() is None
    gone = error_of(lambda: m.edit_config(target="running", config=ont_config(
        **where, operation="delete")))
    assert gone.tag == "data-missing"
    m.edit_config(target="running", config=ont_config(**where, operation="remove"))


def test_an_edit_is_all_or_nothing_and_test_only_changes_nothing(m):
    """rollback-on-error is truthful: a refused edit leaves no trace."""
    good = ont_config(card=1, port=2, ont_id=11, serial="ALCL00000011")
    bad = ont_config(card=1, port=2, ont_id=12, serial="bad serial")
    both = good.replace("</network></config>", "") + bad[bad.index("<element>"):]
    assert error_of(lambda: m.edit_config(target="running", config=both)).tag == \
        "invalid-value"
    m.edit_config(target="running", config=good, test_option="test-only")
    assert not {11, 12} & onts(m.get_config(source="running",
                                            filter=port_filter(card=1, port=2))).keys()


def test_the_network_structure_is_not_the_clients_to_change(m):
    """Elements and PON ports exist with the network; an edit configures them."""
    nowhere = error_of(lambda: m.edit_config(target="running",
                                             config=ont_config(olt="EX09-OLT09")))
    assert nowhere.tag == "invalid-value" and "EX09-OLT09" in nowhere.message
    no_port = error_of(lambda: m.edit_config(target="running", config=ont_config(port=9)))
    assert no_port.tag == "invalid-value"
    delete = ('<config><network xmlns="urn:omsim:yang:omsim-network"><element '
              'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete">'
              '<name>BNG01</name></element></network></config>')
    assert error_of(lambda: m.edit_config(target="running", config=delete)).tag == \
        "operation-not-supported"


def test_a_lock_keeps_others_out_until_its_session_is_killed(lab):
    """lock/unlock and kill-session (RFC 6241 7.5, 7.6, 7.9)."""
    first, second = netconf(lab), netconf(lab)
    try:
        first.lock("running")
        edit = lambda: second.edit_config(  # noqa: E731
            target="running", config=ont_config(olt="EX01-OLT02", card=2, ont_id=9,
                                                serial="ALCL00000209"))
        assert error_of(edit).tag == "in-use"
        denied = error_of(lambda: second.lock("running"))
        assert denied.tag == "lock-denied" and str(first.session_id) in denied.info
        second.kill_session(first.session_id)
        edit()
        second.lock("running")
        second.unlock("running")
    finally:
        second.close_session()
