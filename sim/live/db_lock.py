"""One writer per live database: an exclusive lock held for as long as a store is open.

The lock is ``flock`` on a file next to the database (``live.sqlite.lock``), so the
kernel releases it when the process ends, however it ends (SIGKILL included): there is
never a stale lock to clean up. The file holds the owner's process id, for the message
a second server prints.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from om import OmsimError


class DatabaseInUse(OmsimError):
    """Another process holds the database."""


class DatabaseLock:
    """Acquired on construction (or :class:`DatabaseInUse`); :meth:`release` to give it up."""

    def __init__(self, db: Path) -> None:
        self.path = db.with_name(db.name + ".lock")
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(self._fd, 32, 0).decode(errors="replace").strip()
            self.release()
            raise DatabaseInUse(f"{db}: in use by another omsim serve"
                                f"{f' (pid {owner})' if owner else ''}; one server per "
                                f"database") from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, str(os.getpid()).encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
