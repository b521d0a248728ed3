"""SQLite persistence for ``--data-dir``: every acknowledged write survives ``kill -9``.

Each write is committed before the server answers. WAL with ``synchronous=NORMAL`` puts a
committed transaction into the WAL file before ``commit()`` returns, which is enough for a
killed process (the OS keeps the pages); it is not a guarantee against power loss, which
would need ``synchronous=FULL`` and an fsync per write.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable

__all__ = ["Persistence"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
  skey TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (skey, ns, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
"""


class Persistence:
    """The object table and the last resourceVersion, in ``<data_dir>/state.db``."""

    def __init__(self, data_dir: str, *, fsync: bool = False) -> None:
        os.makedirs(data_dir, exist_ok=True)
        self.path = os.path.join(data_dir, "state.db")
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per write
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={'FULL' if fsync else 'NORMAL'}")
        self.db.executescript(_SCHEMA)

    def load(self, each: Callable[[str, bytes], None]) -> int:
        """Feed every stored object to ``each`` and return the last resourceVersion."""
        for skey, data in self.db.execute("SELECT skey, data FROM objects"):
            each(skey, bytes(data))
        row = self.db.execute("SELECT v FROM meta WHERE k='rv'").fetchone()
        return int(row[0]) if row else 0

    def put(self, skey: str, ns: str, name: str, raw: bytes, rv: int) -> None:
        db = self.db
        db.execute("BEGIN")
        try:
            db.execute(
                "INSERT OR REPLACE INTO objects(skey, ns, name, data) VALUES (?,?,?,?)",
                (skey, ns, name, raw),
            )
            db.execute("INSERT OR REPLACE INTO meta(k, v) VALUES ('rv', ?)", (rv,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def delete(self, skey: str, ns: str, name: str, rv: int) -> None:
        db = self.db
        db.execute("BEGIN")
        try:
            db.execute(
                "DELETE FROM objects WHERE skey=? AND ns=? AND name=?", (skey, ns, name)
            )
            db.execute("INSERT OR REPLACE INTO meta(k, v) VALUES ('rv', ?)", (rv,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()
