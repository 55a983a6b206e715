"""Engine, sessions, the declarative base and the column types every table shares."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    event,
)
from sqlalchemy.engine import URL, Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

#: Constraint names Alembic can rely on, on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: 64-bit ids; SQLite only auto-increments a plain INTEGER primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def str_enum(enum_cls: type[enum.StrEnum]) -> Enum:
    """A column of an enum's values (not its member names), as text on every backend."""
    return Enum(
        enum_cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC, always hands back an aware UTC datetime (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; orderdesk stores UTC only")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, Identity(), primary_key=True)


class TenantOwned(IdMixin):
    """Every tenant-owned row carries its tenant; every query filters on it.

    To the ORM a row's identity is (tenant, id), so the UPDATE and DELETE a flush sends
    and the loads of a relationship (which joins on ``tenant_id`` too: ``same_tenant``)
    name the tenant, as a database sharded by tenant needs (tests/tenant_filter.py).
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(BigId, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        columns = cls.__table__.c  # type: ignore[attr-defined]
        args: dict[str, Any] = {"primary_key": [columns.tenant_id, columns.id]}
        if isinstance(cls, type) and issubclass(cls, Versioned):  # (cls is the class)
            args["version_id_col"] = columns.version
        return args


def same_tenant(join: str) -> str:
    """A relationship's join condition (``"Order.customer_account_id == Account.id"``)
    that also matches the two sides' tenants, for ``relationship(primaryjoin=...)``."""
    left, right = (side.strip().split(".")[0] for side in join.split("=="))
    return f"and_({join}, {left}.tenant_id == {right}.tenant_id)"


def _as_created(context: Any) -> dt.datetime:
    """A new row was last updated when it was created (one clock reading, not two)."""
    created: dt.datetime = context.get_current_parameters()["created_at"]
    return created


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_as_created, onupdate=utcnow)


class Versioned(Timestamps):
    """Updatable rows: a version number that SQLAlchemy checks on every UPDATE."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


def make_engine(url: URL | str, *, echo: bool = False, pool_size: int = 5) -> AsyncEngine:
    # hide_parameters: an error's text never carries the values bound to it (patient data).
    engine = create_async_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


#: Execution option that carries a unit of work's intent to its connection's BEGIN.
WRITE_OPTION = "orderdesk_write"


def _sqlite_begin(connection: Any) -> None:
    # Transactions begun outside session_scope (migrations) count as writes.
    write = connection.get_execution_options().get(WRITE_OPTION, True)
    # A read-only unit cannot write, as on PostgreSQL; the pragma sticks to the connection.
    connection.exec_driver_sql(f"PRAGMA query_only={0 if write else 1}")
    # A writer takes the write lock up front: a read-then-write transaction would
    # otherwise fail with "database is locked" instead of waiting its turn. A reader
    # takes no lock at all (WAL) and reads a snapshot.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (above)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Writers in this process queue on the write lock below; this covers other processes.
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


#: Per SQLite engine, per event loop (an asyncio.Lock belongs to one loop): the write turn.
_write_locks: weakref.WeakKeyDictionary[
    Engine, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
] = weakref.WeakKeyDictionary()


def _write_turn(engine: AsyncEngine, write: bool) -> AbstractAsyncContextManager[Any]:
    """On SQLite, the lock a write unit holds from before BEGIN IMMEDIATE until it has ended."""
    if not write or engine.dialect.name != "sqlite":
        return nullcontext()  # PostgreSQL lets writers wait for each other's rows itself
    per_loop = _write_locks.setdefault(engine.sync_engine, weakref.WeakKeyDictionary())
    return per_loop.setdefault(asyncio.get_running_loop(), asyncio.Lock())


#: A small write, given the session of the write unit it runs in.
Work = Callable[[AsyncSession], Awaitable[object]]

#: ``session.info`` key: the writes a read-only unit queued (None in a write unit).
_LATER = "orderdesk_write_later"


@asynccontextmanager
async def session_scope(
    factory: async_sessionmaker[AsyncSession], *, write: bool = True
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error. The only place that commits.

    ``write=False`` is a read-only unit that waits for no writer (on SQLite a deferred
    BEGIN); both backends refuse its writes, so a small write it needs anyway goes
    through ``write_soon``. A write unit on SQLite first waits for this process's other
    writers to end, so do not open one inside another on the same engine.
    """
    engine: AsyncEngine = factory.kw["bind"]
    options: dict[str, Any] = {WRITE_OPTION: write}
    if not write and engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    async with _write_turn(engine, write), factory() as session:
        session.info[_LATER] = None if write else []
        try:
            await session.connection(execution_options=options)  # BEGIN, in this mode
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        later: list[Work] = session.info[_LATER] or []
    for work in later:  # the read-only unit has ended and given back its connection
        async with session_scope(factory) as writer:
            await work(writer)


async def write_soon(session: AsyncSession, work: Work) -> None:
    """Run the small write ``work`` now in a write unit; in a read-only one, once it has ended."""
    later: list[Work] | None = session.info.get(_LATER)
    if later is None:
        await work(session)
    else:
        later.append(work)
