"""om.agenda: callbacks at exact simulated times from one heap and one timer."""

from __future__ import annotations

import simpy

from om.agenda import Agenda, delay_to


def test_entries_go_off_at_their_exact_times_in_time_then_set_order():
    """Entries set in any order go off at exactly their times (as a timeout set when the
    entry was would), ties in the order they were set, one set while another goes off
    included; times that SimPy's now + delay would miss by a rounding are hit."""
    env = simpy.Environment()
    agenda = Agenda(env)
    seen: list[tuple[float, str]] = []

    def note(name: str) -> None:
        seen.append((env.now, name))
        if name == "b":
            agenda.at(env.now + 0.7, note, "late")

    env.run(until=0.254)  # a clock where 0.254 + (5.668 - 0.254) != 5.668
    assert 0.254 + (5.668 - 0.254) != 5.668
    for at_s, name in ((0.3, "a"), (5.668, "c"), (0.3, "a2"), (1.0 / 3.0, "b")):
        agenda.at(at_s, note, name)
    env.run()
    assert seen == [(0.3, "a"), (0.3, "a2"), (1.0 / 3.0, "b"), (1.0 / 3.0 + 0.7, "late"),
                    (5.668, "c")]
    assert len(agenda) == 0


def test_delay_to_lands_on_the_time_or_just_before():
    """The delay lands on the time, or on the last moment before it when none does (as
    from 0.254 to 5.668), and a second delay from there lands on it."""
    for now, at_s in ((0.1, 0.3), (1e9 + 0.123, 1e9 + 7.77), (3.0, 3.0), (0.254, 5.668)):
        first = now + delay_to(now, at_s)
        assert first <= at_s and first + delay_to(first, at_s) == at_s
    assert 0.254 + delay_to(0.254, 5.668) < 5.668


def test_an_entry_no_delay_lands_on_still_goes_off_on_time():
    """From 0.254 no timer lands on 5.668: the agenda's goes off just before and sets
    another, so the entry goes off at 5.668 all the same."""
    env = simpy.Environment()
    agenda = Agenda(env)
    seen: list[float] = []
    env.run(until=0.254)
    agenda.at(5.668, lambda _: seen.append(env.now), None)
    env.run()
    assert seen == [5.668]
