"""One keyed SQLCipher connection, its PRAGMAs, and the guard against plaintext paths.

Every PRAGMA the vault relies on is set here and nowhere else:

- ``key`` as a raw 256-bit key (``x'..'``): the data key is already random, so
  SQLCipher's own per-open PBKDF2 would only cost time; Argon2id protects the passphrase.
- ``cipher_memory_security = ON``: SQLCipher wipes the memory it frees, so key material
  and decrypted pages do not linger in the heap.
- ``cipher_log_level = NONE``: SQLCipher's own log can go to stderr, which a launcher may
  capture to disk; our log records the failure class instead.
- ``journal_mode = WAL``: the WAL holds encrypted pages, lets the integrity check read on
  its own connection while the worker writes, and survives a crash at any instant.
- ``synchronous = FULL``: "Saved" means on disk, even after a power cut (NORMAL in WAL
  mode can lose the last commits).
- ``secure_delete = ON``: freed pages are zeroed, so deleted records leave no ciphertext
  that a later key compromise could read.
- ``foreign_keys = ON``, ``trusted_schema = OFF``, ``cell_size_check = ON``: integrity
  enforced by SQLite, no functions run from the schema, corruption found early.
- ``temp_store = MEMORY``: sorts and temporary tables never reach a plaintext temp file.

The guard is SQLite's authorizer: ATTACH (which could open an unkeyed database),
``sqlcipher_export``, loading extensions, and PRAGMAs that would move temporary data to
files or change the key are refused for every statement after the connection is set up.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlcipher3

from outreach.vault.atomic import publish
from outreach.vault.errors import StorageError, UnsafeOperation, VaultDamaged, VaultError

_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_NOTADB = 26
_SQLITE_AUTH = 23

_SETUP_PRAGMAS = (
    "PRAGMA synchronous = FULL",
    "PRAGMA secure_delete = ON",
    "PRAGMA foreign_keys = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA trusted_schema = OFF",
    "PRAGMA cell_size_check = ON",
    "PRAGMA busy_timeout = 5000",
)

# How cipher_integrity_check words a page shorter than the page size.
_SHORT_PAGE = re.compile(r"^page (\d+) has an invalid size of \d+ bytes")

_DENIED_PRAGMAS = frozenset(
    {
        "temp_store_directory",
        "data_store_directory",
        "key",
        "hexkey",
        "rekey",
        "hexrekey",
        "cipher_plaintext_header_size",
        "cipher_plaintext_header_salt",
        "cipher_use_hmac",
        "writable_schema",
    }
)
_DENIED_FUNCTIONS = frozenset(
    {"sqlcipher_export", "load_extension", "fts3_tokenizer", "readfile", "writefile"}
)


def _guard(
    action: int, arg1: str | None, arg2: str | None, _db: str | None, _src: str | None
) -> int:
    if action == sqlcipher3.SQLITE_ATTACH:
        return int(sqlcipher3.SQLITE_DENY)
    if action == sqlcipher3.SQLITE_FUNCTION and (arg2 or "").lower() in _DENIED_FUNCTIONS:
        return int(sqlcipher3.SQLITE_DENY)
    if action == sqlcipher3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _DENIED_PRAGMAS:
            return int(sqlcipher3.SQLITE_DENY)
        if (
            name == "temp_store"
            and arg2 is not None
            and arg2.strip().lower() not in {"2", "memory"}
        ):
            return int(sqlcipher3.SQLITE_DENY)
    return int(sqlcipher3.SQLITE_OK)


def _key_pragma(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("the data key must be 32 bytes")
    # PRAGMA takes no bound parameters; the text is built only from hex digits.
    return "PRAGMA key = \"x'" + key.hex() + "'\""


# Within this of a limit, an I/O error on write is taken as the limit being reached.
_ROOM_MARGIN_BYTES = 1 << 20


def _file_size_limit() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else soft


def _out_of_room(path: Path) -> bool:
    """SQLite reports ENOSPC as SQLITE_FULL, but a quota or a file-size limit (EDQUOT,
    EFBIG) only as a plain I/O error, and drops the errno: look at the situation instead."""
    try:
        if shutil.disk_usage(path.parent).free < _ROOM_MARGIN_BYTES:
            return True
    except OSError:
        return False
    limit = _file_size_limit()
    if limit is None:
        return False
    for suffix in ("", "-wal", "-journal"):
        try:
            size = Path(str(path) + suffix).stat().st_size
        except OSError:
            continue
        if size + _ROOM_MARGIN_BYTES >= limit:
            return True
    return False


def translate(exc: Exception, path: Path) -> VaultError:
    """Turn a driver exception into the vault's own words (never its message text)."""
    code = getattr(exc, "sqlite_errorcode", None)
    base = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if base == _SQLITE_NOTADB or "file is not a database" in text:
        return VaultDamaged("unreadable", path)
    if base == _SQLITE_CORRUPT or "malformed" in text:
        return VaultDamaged("integrity", path)
    if base == _SQLITE_FULL or "disk is full" in text:
        return StorageError("full", path)
    if base == _SQLITE_READONLY or "readonly" in text:
        return StorageError("read_only", path)
    if base == _SQLITE_CANTOPEN or "unable to open" in text:
        return StorageError("missing" if not path.parent.exists() else "io", path)
    if base == _SQLITE_AUTH or "not authorized" in text:
        return UnsafeOperation()
    if (base == _SQLITE_IOERR or "disk i/o error" in text) and _out_of_room(path):
        return StorageError("full", path)
    return StorageError("io", path)


class Database:
    """A keyed connection used from one thread. The UI never sees it: services do."""

    def __init__(self, connection: Any, path: Path, read_only: bool) -> None:
        self._conn = connection
        self.path = path
        self.read_only = read_only
        self._in_transaction = False

    @classmethod
    def open(
        cls, path: Path, key: bytes, *, create: bool = False, read_only: bool = False
    ) -> Database:
        if create and path.exists():
            raise VaultDamaged("foreign_database", path)
        if not create and not path.exists():
            raise VaultDamaged("missing_database", path)
        mode = "ro" if read_only else ("rwc" if create else "rw")
        try:
            conn = sqlcipher3.connect(
                f"{path.resolve().as_uri()}?mode={mode}",
                uri=True,
                isolation_level=None,
                # Opened on the unlocking thread, then handed to the main thread once;
                # never used from two threads at a time.
                check_same_thread=False,
            )
        except sqlcipher3.Error as exc:
            raise translate(exc, path) from exc
        try:
            conn.execute(_key_pragma(key))
            conn.execute("PRAGMA cipher_memory_security = ON")
            conn.execute("PRAGMA cipher_log_level = NONE")
            # The first read proves the key: a wrong key or a foreign file fails here.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if not read_only:
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
            for pragma in _SETUP_PRAGMAS:
                conn.execute(pragma)
            conn.enable_load_extension(False)
            conn.set_authorizer(_guard)
        except sqlcipher3.Error as exc:
            conn.close()
            raise translate(exc, path) from exc
        return cls(conn, path, read_only)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._conn.execute(sql, params)
        except sqlcipher3.Error as exc:
            raise translate(exc, self.path) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self._conn.executemany(sql, rows)
        except sqlcipher3.Error as exc:
            raise translate(exc, self.path) from exc

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.execute(sql, params)
        try:
            # Rows are read as they are fetched: a damaged page fails here, not in execute.
            return [tuple(row) for row in cursor.fetchall()]
        except sqlcipher3.Error as exc:
            raise translate(exc, self.path) from exc

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.execute(sql, params)
        try:
            row = cursor.fetchone()
        except sqlcipher3.Error as exc:
            raise translate(exc, self.path) from exc
        return None if row is None else row[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """Commit on success, roll back on any error; only a commit counts as saved."""
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
        self.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield self
        except BaseException:
            self._in_transaction = False
            with contextlib.suppress(sqlcipher3.Error):
                self._conn.execute("ROLLBACK")
            raise
        self._in_transaction = False
        try:
            self._conn.execute("COMMIT")
        except sqlcipher3.Error as exc:
            with contextlib.suppress(sqlcipher3.Error):
                self._conn.execute("ROLLBACK")
            raise translate(exc, self.path) from exc

    @property
    def user_version(self) -> int:
        return int(self.scalar("PRAGMA user_version"))

    def set_user_version(self, version: int) -> None:
        self.execute("PRAGMA user_version = " + str(int(version)))  # an int, never text

    def integrity_problems(self) -> list[str]:
        """SQLCipher's page HMAC check and SQLite's structural check; empty when sound.

        One finding is not damage: a short last page of the main file when every page the
        database holds read back sound. A checkpoint that ran out of disk leaves one (the
        page's current copy is still in the WAL, and the next checkpoint writes it whole);
        so does a tail past the end of the database. Reporting it would lock a worker out
        of a vault that is whole, after nothing worse than a full disk.
        """
        problems = [str(row[0]) for row in self.query("PRAGMA cipher_integrity_check")]
        try:
            quick = [str(row[0]) for row in self.query("PRAGMA quick_check")]
        except VaultDamaged as exc:
            # A page that fails its HMAC makes SQLite stop with "malformed": a finding.
            quick = [f"quick_check stopped: {exc.reason}"]
        if quick != ["ok"]:
            return problems + quick
        return [p for p in problems if not self._is_short_last_page(p)]

    def _is_short_last_page(self, finding: str) -> bool:
        found = _SHORT_PAGE.match(finding)
        if found is None:
            return False
        page_size = int(self.scalar("PRAGMA page_size"))
        size = self.path.stat().st_size
        return size % page_size != 0 and int(found.group(1)) == size // page_size + 1

    def backup_to(self, destination: Path, key: bytes) -> None:
        """An encrypted copy through SQLite's backup API into a new file keyed the same.

        It is written under a temporary name and renamed once whole and on disk: a full
        disk or a crash part way must not leave a file under the backup's name, since a
        cut-short copy opens as a sound, empty vault."""
        partial = destination.with_name(destination.name + ".partial")
        _remove_with_journals(partial)  # left by a crash during an earlier backup
        try:
            target = Database.open(partial, key, create=True)
            try:
                self._conn.backup(target._conn)
            except sqlcipher3.Error as exc:
                raise translate(exc, destination) from exc
            finally:
                target.close()
            publish(partial, destination)
        except BaseException:
            _remove_with_journals(partial)
            raise

    def checkpoint(self) -> None:
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self._conn.close()


def _remove_with_journals(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).unlink()
