"""What people read: the terminal summary, estimates, gate verdicts and progress bars
(:mod:`~sim.report.terminal`), order trees (:mod:`~sim.report.trace`), element impact
(:mod:`~sim.report.impact`) and the self-contained HTML report (:mod:`~sim.report.html`)."""
