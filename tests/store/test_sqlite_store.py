"""SQLite specifics of ``dosi.store.sqlite.store``: URLs, migrations, crash durability,
WAL reads beside a writer, and the paging strategies against a brute-force reference."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dosi.errors import StoreError
from dosi.store import Candidates, Entity, GeoPrefilter, Writes, create_store
from dosi.store.sqlite import _query
from dosi.store.sqlite._options import parse_url
from dosi.store.sqlite.migrations import VERSION, migrate, statements
from dosi.store.sqlite.store import SQLiteStore
from tests.store.contract.builders import (
    DEVICE_TYPE,
    FILLING_LEVEL,
    LOCATION,
    SERVICE_AREA,
    TEMPERATURE,
    VEHICLE,
    WASTE_CONTAINER,
    box,
    geo,
    ids_of,
    make,
    point,
    prop,
    save,
    thing,
    waste_container,
)

ROOT = Path(__file__).resolve().parents[2]


def url(path: Path, query: str = "") -> str:
    return f"sqlite:///{path.as_posix()}{query}"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    backend = SQLiteStore(url(tmp_path / "dosi.db"))
    await backend.open()
    try:
        yield backend
    finally:
        await backend.close()


# -- URLs -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "path"),
    [
        ("sqlite:///data/dosi.db", "data/dosi.db"),
        ("sqlite:///./dosi.db", "./dosi.db"),
        ("sqlite:////var/lib/dosi/dosi.db", "/var/lib/dosi/dosi.db"),
        ("sqlite:///with%20space.db?synchronous=FULL&readers=4", "with space.db"),
    ],
)
def test_url_paths_follow_sqlalchemy(given: str, path: str) -> None:
    assert parse_url(given).path == path


def test_url_options() -> None:
    assert parse_url("sqlite:///x.db").synchronous == "normal"
    options = parse_url("sqlite:///x.db?synchronous=FULL&readers=4")
    assert (options.synchronous, options.readers) == ("full", 4)
    for bad in (
        "sqlite:///",
        "sqlite:///:memory:",
        "sqlite:///x.db?synchronous=off",
        "sqlite:///x.db?readers=0",
        "sqlite:///x.db?readers=two",
        "sqlite:///x.db?journal=delete",
        "postgresql://h/db",
    ):
        with pytest.raises(StoreError):
            parse_url(bad)


async def test_open_creates_parent_folders_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "dosi.db"
    backend = SQLiteStore(url(path))
    await backend.open()
    await save(backend, thing("urn:x:1", n=1))
    await backend.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == VERSION
    conn.close()


async def test_open_twice_and_unusable_file_are_store_errors(tmp_path: Path) -> None:
    backend = SQLiteStore(url(tmp_path / "dosi.db"))
    await backend.open()
    with pytest.raises(StoreError):
        await backend.open()
    await backend.close()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        await SQLiteStore(url(garbage)).open()


# -- migrations -------------------------------------------------------------------------
def test_migration_scripts_split_into_whole_statements() -> None:
    script = "CREATE TABLE a (x);\nCREATE TRIGGER t AFTER DELETE ON a BEGIN\n  SELECT 1;\nEND;\n"
    assert list(statements(script)) == [
        "CREATE TABLE a (x);",
        "CREATE TRIGGER t AFTER DELETE ON a BEGIN\n  SELECT 1;\nEND;",
    ]
    with pytest.raises(StoreError):
        list(statements("CREATE TABLE b (x"))


def test_migrate_is_idempotent_and_refuses_a_newer_schema(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    assert migrate(conn) == VERSION
    assert migrate(conn) == VERSION
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
    assert versions == list(range(1, VERSION + 1))
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (VERSION + 1,))
    with pytest.raises(StoreError):
        migrate(conn)
    conn.close()


# -- durability and concurrency ---------------------------------------------------------
CRASHING_WRITER = """
import asyncio, os, sys
sys.path.insert(0, sys.argv[2])
from dosi.store import Writes
from dosi.store.sqlite.store import SQLiteStore
from tests.store.contract.builders import thing

async def main() -> None:
    store = SQLiteStore(sys.argv[1])
    await store.open()
    for i in range(50):
        await store.transact("", [], lambda c, i=i: Writes(upserts=[thing(f"urn:x:{i:02d}", n=i)]))
        print(i, flush=True)
    os._exit(9)  # a crash: no close, no checkpoint, no cleanup

asyncio.run(main())
"""


@pytest.mark.parametrize("synchronous", ["normal", "full"])
async def test_acknowledged_writes_survive_a_process_crash(
    tmp_path: Path, synchronous: str
) -> None:
    target = url(tmp_path / "dosi.db", f"?synchronous={synchronous}")
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", CRASHING_WRITER, target, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 9, result.stderr
    acknowledged = [int(line) for line in result.stdout.split()]
    assert acknowledged == list(range(50))
    again = SQLiteStore(target)
    await again.open()
    try:
        assert await ids_of(again) == [f"urn:x:{i:02d}" for i in acknowledged]
    finally:
        await again.close()


async def test_reads_do_not_wait_for_a_running_write(store: SQLiteStore) -> None:
    await save(store, thing("urn:x:1", n=1))
    inside = threading.Event()
    release = threading.Event()

    def slow(current: dict[str, Entity]) -> Writes:
        inside.set()
        release.wait(10)
        return Writes(upserts=[thing("urn:x:1", n=2)])

    writing = asyncio.ensure_future(store.transact("", ["urn:x:1"], slow))
    try:
        await asyncio.to_thread(inside.wait, 5)
        started = time.perf_counter()
        before = await store.get_entity("", "urn:x:1")
        assert await store.count_entities("", Candidates()) == 1
        assert time.perf_counter() - started < 2
        assert before == thing("urn:x:1", n=1)  # the write is not committed yet
    finally:
        release.set()
        await writing
    assert await store.get_entity("", "urn:x:1") == thing("urn:x:1", n=2)


async def test_concurrent_transacts_share_commits(store: SQLiteStore) -> None:
    commits = 0
    original = store._writer._commit  # type: ignore[union-attr]

    def counting(group: list[object]) -> None:
        nonlocal commits
        commits += 1
        original(group)  # type: ignore[arg-type]

    store._writer._commit = counting  # type: ignore[union-attr,method-assign]
    await asyncio.gather(
        *(save(store, thing(f"urn:x:{i:03d}", n=i)) for i in range(200)), return_exceptions=False
    )
    assert await store.count_entities("", Candidates()) == 200
    assert commits < 200


async def test_create_store_url_opens_a_working_sqlite_store(tmp_path: Path) -> None:
    backend = create_store(url(tmp_path / "dosi.db"))
    await backend.open()
    try:
        await save(backend, thing("urn:x:1", n=1))
        assert await backend.count_entities("", Candidates()) == 1
    finally:
        await backend.close()


# -- paging strategies against a reference ----------------------------------------------
TYPES = [WASTE_CONTAINER, VEHICLE, DEVICE_TYPE]
ATTRS = [TEMPERATURE, "https://example.org/a", "https://example.org/b"]


def random_city(rng: random.Random, n: int) -> list[Entity]:
    entities = []
    for i in range(n):
        attrs: dict[str, object] = {
            a: prop(rng.random()) for a in rng.sample(ATTRS, rng.randint(0, len(ATTRS)))
        }
        if rng.random() < 0.8:
            lon, lat = rng.uniform(126.0, 128.0), rng.uniform(36.0, 38.0)
            attrs[LOCATION] = geo(point(lon, lat))
        if rng.random() < 0.2:
            lon, lat = rng.uniform(126.0, 128.0), rng.uniform(36.0, 38.0)
            attrs[SERVICE_AREA] = geo(box(lon, lat, lon + 0.3, lat + 0.2))
        types = rng.sample(TYPES, rng.randint(1, 2))
        entities.append(make(f"urn:x:{rng.choice('abAB')}{i:04d}", types, attrs))  # type: ignore[arg-type]
    return entities


def boxes_of(entity: Entity, attr: str) -> list[tuple[float, float, float, float]]:
    found = []
    for instance in entity["attrs"].get(attr, []):
        coords = instance["value"]["coordinates"]
        points = [coords] if instance["value"]["type"] == "Point" else coords[0]
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        found.append((min(lons), min(lats), max(lons), max(lats)))
    return found


def reference(entities: list[Entity], where: Candidates) -> list[str]:
    def keep(e: Entity) -> bool:
        if where.ids is not None and e["id"] not in where.ids:
            return False
        if where.after_id is not None and not e["id"] > where.after_id:
            return False
        if where.types is not None and not set(e["type"]) & where.types:
            return False
        if where.attrs is not None and not set(e["attrs"]) & where.attrs:
            return False
        if where.geo is not None:
            a, b, c, d = where.geo.bbox
            hits = [
                x
                for x in boxes_of(e, where.geo.attr)
                if x[2] >= a and x[0] <= c and x[3] >= b and x[1] <= d
            ]
            if not hits:
                return False
        return True

    return sorted(e["id"] for e in entities if keep(e))


def random_candidates(rng: random.Random, entities: list[Entity]) -> Candidates:
    fields: dict[str, object] = {}
    if rng.random() < 0.2:
        fields["ids"] = frozenset([*rng.sample([e["id"] for e in entities], 30), "urn:x:none"])
    if rng.random() < 0.3:
        fields["after_id"] = rng.choice(entities)["id"]
    if rng.random() < 0.5:
        fields["types"] = frozenset(rng.sample(TYPES, rng.randint(1, 2)))
    if rng.random() < 0.4:
        fields["attrs"] = frozenset(rng.sample(ATTRS, rng.randint(1, 2)))
    if rng.random() < 0.5:
        lon, lat = rng.uniform(126.0, 128.0), rng.uniform(36.0, 38.0)
        size = rng.choice([0.05, 0.3, 2.5])
        attr = rng.choice([LOCATION, SERVICE_AREA])
        fields["geo"] = GeoPrefilter(attr, (lon, lat, lon + size, lat + size))
    return Candidates(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("drive_limit", [0, 25, 2000])
async def test_streams_match_a_brute_force_reference(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch, drive_limit: int
) -> None:
    """Scan pages, driven pages and counts agree with a filter written in Python."""
    monkeypatch.setattr(_query, "DRIVE_LIMIT", drive_limit)
    rng = random.Random(drive_limit)
    entities = random_city(rng, 600)
    await save(store, *entities)
    for _ in range(60):
        where = random_candidates(rng, entities)
        expected = reference(entities, where)
        assert await ids_of(store, where) == expected, where
        assert await store.count_entities("", where) == len(expected), where


async def test_updates_that_keep_the_shape_keep_the_index(store: SQLiteStore) -> None:
    entity = waste_container(1, fill=0.1)
    await save(store, entity)
    index_rows = _index_rows(store)
    writer = store._writer._conn  # type: ignore[union-attr]
    for fill in (0.2, 0.3):
        entity["attrs"][FILLING_LEVEL][0]["value"] = fill
        before = writer.total_changes
        await save(store, entity)
        assert writer.total_changes - before == 1  # the document row only
    assert _index_rows(store) == index_rows
    moved = waste_container(1, fill=0.3, at=(10.0, 50.0))
    await save(store, moved)
    assert _index_rows(store) != index_rows
    assert await ids_of(store, Candidates(geo=GeoPrefilter(LOCATION, (9, 49, 11, 51)))) == [
        moved["id"]
    ]


def _index_rows(store: SQLiteStore) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(store.path)
    try:
        rows = conn.execute(
            "SELECT 't', entity, name, 0, 0 FROM entity_types UNION ALL "
            "SELECT 'a', entity, name, kinds, 0 FROM entity_attrs UNION ALL "
            "SELECT 'g', g.entity, g.name, r.min_lon, r.min_lat FROM geo_rows g "
            "JOIN geo_index r ON r.gid = g.gid ORDER BY 1, 2, 3"
        ).fetchall()
    finally:
        conn.close()
    return rows


async def test_no_driver_error_leaks(store: SQLiteStore, tmp_path: Path) -> None:
    await save(store, thing("urn:x:1", n=1))
    blocker = sqlite3.connect(store.path, timeout=0.1, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        store._writer._conn.execute("PRAGMA busy_timeout=50")  # type: ignore[union-attr]
        with pytest.raises(StoreError):
            await save(store, thing("urn:x:2", n=2))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await save(store, thing("urn:x:3", n=3))
    assert await ids_of(store) == ["urn:x:1", "urn:x:3"]
