"""``backup FILE`` and ``restore FILE``: the whole database, to a file and back.

On SQLite both use SQLite's online backup API: a backup is a consistent copy even
while the server writes (the database is in WAL mode, so readers and writers do not
wait for each other), and a restore copies the file into the configured database in
one transaction, so it either all happens or not at all. On PostgreSQL they run
``pg_dump --format=custom`` and ``pg_restore`` (the PostgreSQL client tools, found on
``PATH``) against ``ORDERDESK_DATABASE_URL``; the password goes to them in the
environment (``PGPASSWORD``), never on their command line or in a message.

A backup is written to a temporary file beside FILE, readable by its owner only, and
renamed into place once complete: a failed backup leaves no half file, and an earlier
FILE stays as it was. A restore first checks that FILE is a backup of an orderdesk
database this release can read, refuses a database that already holds data (or, on
PostgreSQL, that other sessions are using) unless ``--force``, and brings an older
schema up to date afterwards. Stop the server and the worker before restoring.

Nothing here prints a field value: the messages the tools and SQLite give about rows
are not passed on.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from orderdesk.cli._base import (
    app,
    fail,
    is_sqlite,
    load_settings,
    migrate_database,
    run_command,
    shown_url,
)
from orderdesk.config import Settings
from orderdesk.db import WRITE_OPTION, make_engine
from orderdesk.migrate import known_revisions

#: Tables start-up fills by itself (the default tenant, its default workflows, the
#: token signing key) and the migrations' own: rows in them alone are not "data".
STARTUP_TABLES = frozenset(
    {"alembic_version", "tenants", "workflows", "workflow_versions", "signing_keys"}
)

#: Seconds SQLite waits for a lock another connection holds before giving up.
SQLITE_LOCK_TIMEOUT = 30.0

#: The first bytes of an SQLite database file, and of a pg_dump custom-format archive.
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"

#: Where the PostgreSQL client tools come from, for the message when one is missing.
PG_CLIENT_PACKAGE = "postgresql-client"

#: asyncpg's names of URL query options that libpq spells otherwise.
_LIBPQ_OPTIONS = {"ssl": "sslmode"}

#: A table in the list ``pg_restore --list`` prints of an archive.
_ARCHIVED_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", re.MULTILINE)


# --- the commands ---------------------------------------------------------------


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (replaced if it exists)")],
) -> None:
    """Back up the whole database to FILE, safely while the server runs.

    SQLite: a consistent copy made with SQLite's online backup API. PostgreSQL:
    `pg_dump --format=custom` (needs the PostgreSQL client tools). FILE appears only
    once the backup is complete, readable by its owner only."""
    settings = load_settings()
    url = settings.async_url
    if is_sqlite(url):
        database = _sqlite_file(url)
        _refuse_same_file(file, database)
        _backup_sqlite(database, file)
    else:
        _backup_postgres(url, file)
    typer.echo(f"backed up {shown_url(url)} to {file}")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file `orderdesk backup` wrote")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace the database even though it already holds data (or, on "
            "PostgreSQL, other sessions are connected to it)",
        ),
    ] = False,
) -> None:
    """Restore the database from FILE, then bring its schema up to date.

    FILE must be a backup of an orderdesk database, from this release or an older one.
    A database that already holds data is replaced only with --force. Stop the
    server and the worker first: they would go on with what they had in memory.
    SQLite: copied in with SQLite's backup API, in one transaction. PostgreSQL:
    `pg_restore --clean --if-exists --no-owner --no-acl --single-transaction`."""
    settings = load_settings()
    url = settings.async_url
    if is_sqlite(url):
        database = _sqlite_file(url)
        _refuse_same_file(file, database)
        _refuse_unknown_schema(file, _sqlite_backup_revisions(file))
        if database.exists():
            _refuse_replacing(url, force)
        _restore_sqlite(file, database)
    else:
        _refuse_unknown_schema(file, _postgres_backup_revisions(file))
        _refuse_replacing(url, force)
        _restore_postgres(file, url)
    _bring_up_to_date(settings, file)
    typer.echo(f"restored {shown_url(url)} from {file}; its schema is up to date")


# --- what both backends share ---------------------------------------------------


@contextlib.contextmanager
def _written_in_place(file: Path) -> Iterator[Path]:
    """A temporary file beside ``file`` (mode 0600) to write the backup to; renamed to
    ``file`` when the block ends well, removed when it does not."""
    folder = file.parent
    if not folder.is_dir():
        raise fail(f"cannot write {file}: folder {folder} does not exist", ["create it first"])
    if file.is_dir():
        raise fail(f"cannot write {file}: it is a folder", ["name a file in it instead"])
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{file.name}.", suffix=".partial")
    except OSError as error:
        raise fail(f"cannot write in {folder}: {error.strerror}") from None
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        try:
            with partial.open("rb") as written:
                os.fsync(written.fileno())  # on disk before it takes the name
            partial.replace(file)
        except OSError as error:
            raise fail(f"cannot write {file}: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)


def _refuse_same_file(file: Path, database: Path) -> None:
    if file.resolve() == database.resolve():
        raise fail(
            f"{file} is the database itself (ORDERDESK_DATABASE_URL)",
            ["back up to, or restore from, another file"],
        )


def _refuse_unknown_schema(file: Path, revisions: frozenset[str]) -> None:
    """Refuse a backup whose schema a newer release made: this one cannot migrate it."""
    unknown = sorted(revisions - known_revisions())
    if unknown:
        raise fail(
            f"{file} holds a schema this orderdesk does not know (revision "
            f"{', '.join(unknown)}): a newer release made it",
            ["restore it with that release, or a newer one"],
        )


def _refuse_replacing(url: URL, force: bool) -> None:
    """Refuse, unless ``force``, a database with data in it, or other sessions on it."""
    tables, sessions = run_command(_in_use(url))
    if force or not (tables or sessions):
        return
    details = []
    if tables:
        details.append(f"it holds data: rows in {', '.join(tables)}")
    if sessions:
        details.append(
            f"{sessions} other session(s) are connected to it: is a server or a worker "
            "running? Stop them first"
        )
    details.append(
        "restore into an empty database (point ORDERDESK_DATABASE_URL at a new one), "
        "or add --force to replace what it holds"
    )
    raise fail(f"not restoring over {shown_url(url)}", details)


async def _in_use(url: URL) -> tuple[list[str], int]:
    """The tables of the database with rows in them (those start-up fills aside), and
    how many other sessions are connected to it (PostgreSQL; 0 on SQLite)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(**{WRITE_OPTION: False})
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            quote = engine.dialect.identifier_preparer.quote
            tables = [
                name
                for name in sorted(set(names) - STARTUP_TABLES)
                if await connection.scalar(text(f"SELECT 1 FROM {quote(name)} LIMIT 1"))
            ]
            sessions = 0
            if not is_sqlite(url):
                sessions = await connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            return tables, sessions or 0
    finally:
        await engine.dispose()


def _bring_up_to_date(settings: Settings, file: Path) -> None:
    try:
        run_command(migrate_database(settings))
    except CommandError:
        raise fail(
            f"restored from {file}, but could not bring its schema up to date",
            ["run `orderdesk migrate` to see why"],
        ) from None


# --- SQLite -----------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise fail(
            "the database is in memory: there is no file to back up or restore",
            ["set ORDERDESK_DATABASE_URL=sqlite:///path/to/orderdesk.db"],
        )
    return Path(url.database)


def _backup_sqlite(database: Path, file: Path) -> None:
    """Copy ``database`` to ``file`` with the online backup API, in one step: one
    read transaction, so one consistent snapshot, while writers go on (WAL)."""
    if not database.is_file():
        raise fail(
            f"there is no database at {database}: nothing to back up",
            ["check ORDERDESK_DATABASE_URL"],
        )
    with _written_in_place(file) as partial:
        try:
            with (
                contextlib.closing(sqlite3.connect(database, timeout=SQLITE_LOCK_TIMEOUT)) as db,
                contextlib.closing(sqlite3.connect(partial)) as copy,
            ):
                db.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        except sqlite3.Error as error:
            raise fail(
                f"could not back up {database}: {type(error).__name__}",
                ["is it an SQLite database, and is the disk full?"],
            ) from None


def _sqlite_backup_revisions(file: Path) -> frozenset[str]:
    """The schema revisions of the SQLite backup ``file``, once it is known to be an
    intact SQLite database of orderdesk; any other file fails, naming it."""
    header = _first_bytes(file)
    if header.startswith(PGDUMP_MAGIC):
        raise fail(
            f"{file} is a PostgreSQL backup (pg_dump), but the database is SQLite",
            ["restore it with ORDERDESK_DATABASE_URL=postgresql://..."],
        )
    if not header.startswith(SQLITE_MAGIC):
        raise fail(f"{file} is not an SQLite database", ["restore takes a file `backup` wrote"])
    try:
        with contextlib.closing(_open_read_only(file)) as db:
            checked = db.execute("PRAGMA integrity_check").fetchall()
            if checked != [("ok",)]:
                raise fail(
                    f"{file} is damaged: PRAGMA integrity_check found {len(checked)} problem(s)",
                    ["restore another backup"],
                )
            found = db.execute(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            if found is None:
                raise fail(
                    f"{file} is an SQLite database, but not one of orderdesk "
                    "(it has no alembic_version table)",
                    ["restore takes a file `backup` wrote"],
                )
            rows = db.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error as error:
        raise fail(
            f"{file} cannot be read as an SQLite database: {type(error).__name__}",
            ["restore takes a file `backup` wrote"],
        ) from None
    if not rows:
        raise fail(
            f"{file} holds an orderdesk database that was never migrated: nothing to restore"
        )
    return frozenset(row[0] for row in rows)


def _first_bytes(file: Path) -> bytes:
    if not file.is_file():
        raise fail(f"there is no backup at {file}", ["check the path"])
    with file.open("rb") as opened:
        return opened.read(len(SQLITE_MAGIC))


def _open_read_only(file: Path) -> sqlite3.Connection:
    """``file`` opened so that nothing can write to it."""
    return sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)


def _restore_sqlite(file: Path, database: Path) -> None:
    """Copy ``file`` into ``database`` with the backup API: one transaction, which
    waits for the write lock, so a failure leaves the database as it was."""
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            contextlib.closing(_open_read_only(file)) as source,
            contextlib.closing(sqlite3.connect(database, timeout=SQLITE_LOCK_TIMEOUT)) as db,
        ):
            source.backup(db)
    except sqlite3.Error as error:
        raise fail(
            f"could not restore {database} from {file}: {type(error).__name__}",
            ["is the database in use (stop the server), and is the disk full?"],
        ) from None


# --- PostgreSQL -------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """The path of the PostgreSQL client tool ``name``, or a failure naming its package."""
    found = shutil.which(name)
    if found is None:
        raise fail(
            f"{name} was not found on PATH: backups of PostgreSQL need the PostgreSQL client tools",
            [
                f"install them (Debian and Ubuntu: apt-get install {PG_CLIENT_PACKAGE}), "
                "of the server's major version or newer",
                "or put their folder first on PATH (e.g. /usr/lib/postgresql/16/bin)",
            ],
        )
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """``url`` as a libpq connection URL without its password, and the environment
    to run a client tool in (with ``PGPASSWORD`` when the URL has one)."""
    options = {_LIBPQ_OPTIONS.get(key, key): value for key, value in url.query.items()}
    # Not ``url.set(password=None)``: ``set`` ignores None, and would keep the password.
    bare = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=options,
    )
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    return bare.render_as_string(hide_password=False), environment


def _run_pg_tool(url: URL, *arguments: str) -> str:
    """Run a client tool with ``arguments`` in ``url``'s environment; its stdout.
    A failure shows the tool's own error lines, cut where the server's message begins
    (it can quote the values of rows)."""
    _, environment = _libpq(url)
    done = subprocess.run(arguments, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tool = Path(arguments[0]).name
        raise fail(f"{tool} failed for {shown_url(url)}", _error_lines(tool, done.stderr))
    return done.stdout


def _error_lines(tool: str, stderr: str) -> list[str]:
    """The ``<tool>: error:`` lines of ``stderr``, each cut at the server's ``ERROR:``
    (it can quote a row's values); none of the detail, context or hint lines."""
    lines = []
    for line in stderr.splitlines():
        if not line.startswith(f"{tool}: error:"):
            continue
        head, server_said, _ = line.partition("ERROR:")
        if server_said:
            line = f"{head}ERROR: (not shown: it may quote row values; see the server's log)"
        lines.append(line)
    return lines or [f"{tool} said nothing more"]


def _backup_postgres(url: URL, file: Path) -> None:
    pg_dump = _pg_tool("pg_dump")
    address, _ = _libpq(url)
    with _written_in_place(file) as partial:
        _run_pg_tool(url, pg_dump, "--format=custom", f"--file={partial}", f"--dbname={address}")


def _postgres_backup_revisions(file: Path) -> frozenset[str]:
    """The schema revisions of the pg_dump archive ``file``, once it is known to be an
    archive of an orderdesk database; any other file fails, naming it."""
    pg_restore = _pg_tool("pg_restore")
    header = _first_bytes(file)
    if header.startswith(SQLITE_MAGIC):
        raise fail(
            f"{file} is an SQLite backup, but the database is PostgreSQL",
            ["restore it with ORDERDESK_DATABASE_URL=sqlite:///path/to/orderdesk.db"],
        )
    if not header.startswith(PGDUMP_MAGIC):
        raise fail(
            f"{file} is not a PostgreSQL backup (a pg_dump custom-format archive)",
            ["restore takes a file `backup` wrote"],
        )
    listed = subprocess.run(
        [pg_restore, "--list", str(file)], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        raise fail(
            f"{file} cannot be read as a pg_dump archive", _error_lines("pg_restore", listed.stderr)
        )
    if "alembic_version" not in _ARCHIVED_TABLE.findall(listed.stdout):
        raise fail(
            f"{file} is a PostgreSQL backup, but not one of orderdesk "
            "(it has no alembic_version table)",
            ["restore takes a file `backup` wrote"],
        )
    data = subprocess.run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if data.returncode != 0:
        raise fail(
            f"{file} cannot be read as a pg_dump archive", _error_lines("pg_restore", data.stderr)
        )
    rows = _copied_rows(data.stdout)
    if not rows:
        raise fail(
            f"{file} holds an orderdesk database that was never migrated: nothing to restore"
        )
    return frozenset(rows)


def _copied_rows(script: str) -> list[str]:
    """The rows of the (one-column) ``COPY ... FROM stdin`` blocks of an SQL script."""
    rows: list[str] = []
    copying = False
    for line in script.splitlines():
        if line.startswith("COPY "):
            copying = True
        elif line == "\\.":
            copying = False
        elif copying:
            rows.append(line)
    return rows


def _restore_postgres(file: Path, url: URL) -> None:
    """``pg_restore`` ``file`` into ``url``'s database in one transaction: the archive's
    tables are dropped (if there) and made again, owned by the URL's user."""
    pg_restore = _pg_tool("pg_restore")
    address, _ = _libpq(url)
    _run_pg_tool(
        url,
        pg_restore,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={address}",
        str(file),
    )
