"""What both dashboards share, ``omsim serve``'s (:mod:`sim.live.api.dashboard`) and
``omsim emulate``'s (:mod:`sim.emulate.dashboard`): the shell of a page that follows a
server through server-sent events and draws its samples with uPlot.

    shell     the files: each dashboard's page and script over the shared ones
              (``assets/``: uPlot vendored with its licence, the style, common.js, the
              login form)
    login     the login form's cookie: an HMAC of the secret, never the secret itself
    events    the event stream: one state a second, and only the samples not sent yet
    gauges    what a network holds now: its fullest PON ports and BNGs
    faults    a fault as one short line

Both front doors import this; it imports neither.
"""
