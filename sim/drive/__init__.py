"""``omsim drive``: a scenario's order traffic, in real time scaled by a speed, sent to
any TMF622 v4 order manager, and every order followed to its end from outside (hub
notifications and polling), reported in ``omsim run``'s shape so that the same
thresholds, baselines and JUnit gate judge it.

Rooms: :mod:`~sim.drive.driver` (the library entry, :func:`drive`), :mod:`~sim.drive.plan`
(everything checked before any traffic, the replications and their gate),
:mod:`~sim.drive.command` (the command line's work), :mod:`~sim.drive.session` (one
replication), :mod:`~sim.drive.channel` (requests onto the wire), :mod:`~sim.drive.book`
(what was seen of each order), :mod:`~sim.drive.products` (products learnt),
:mod:`~sim.drive.poller`, :mod:`~sim.drive.preflight`, :mod:`~sim.drive.addresses`,
:mod:`~sim.drive.bodies` (TMF622 bodies, shared with the Locust users),
:mod:`~sim.drive.report` and :mod:`~sim.drive.wire` (the report)
and :mod:`~sim.drive.summary` (on the terminal). The HTTP client, its hub listener and
the causes read from the target's answers are :mod:`sim.tmf622`'s (shared with the
partner gateway), the traffic :mod:`sim.traffic`'s, the statistics :mod:`sim.stats`' and
the gate :mod:`sim.experiments`'.

Errors::

    OmsimError
      UsageError    an option out of range (names the option)
      DriveError    the target cannot be driven: unreachable, not TMF622, wrong key
      ListenError   --listen cannot be bound
"""

from sim.drive.driver import drive
from sim.drive.options import DriveOptions
from sim.drive.preflight import DriveError

__all__ = ["DriveError", "DriveOptions", "drive"]
