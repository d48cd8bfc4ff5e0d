"""Full-text search on both databases, accent- and case-insensitive, with prefixes and one typo.

- SQLite (embedded): an FTS5 index over ``products.search_text`` (external content, kept in sync by
  triggers; tokenizer ``unicode61 remove_diacritics 2``); prefix queries (``"camis"*``). FTS5 has no
  fuzzy matching, so a term that matches nothing is widened to the indexed terms within one edit
  (read from an ``fts5vocab`` table). The index is created at run time, on first use, because an
  FTS5 table brings shadow tables the schema check of the migrations does not know; it is
  rebuilt from ``products`` when created, so it is never behind.
- PostgreSQL (scale-out): a GIN index on ``to_tsvector('ecovarejo_pt', search_text)`` (Portuguese
  stemming with ``unaccent``), prefix ``to_tsquery`` terms, and ``pg_trgm`` word similarity
  (``term <% search_text``) for a typo; both indexes are made by the migration.

``search_text`` is already folded (lower case, no accents) by :func:`document`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, String, Uuid, any_, case, func, literal, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ecovarejo.core.db import Database

from .score import fold

MAX_TERMS = 8
TYPO_SIMILARITY = 0.45
_WORD = re.compile(r"[a-z0-9]+")

FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5("
    "search_text, content='products', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS products_fts_vocab USING fts5vocab(products_fts, 'row')",
    "CREATE TRIGGER IF NOT EXISTS products_fts_ai AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS products_fts_ad AFTER DELETE ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS products_fts_au AFTER UPDATE OF search_text ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text); "
    "INSERT INTO products_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
)


def document(*parts: Any) -> str:
    """The folded text a product is found by."""
    words: list[str] = []
    for p in parts:
        if p is None:
            continue
        if isinstance(p, list | tuple | set):
            words.extend(str(x) for x in p)
        else:
            words.append(str(p))
    return " ".join(_WORD.findall(fold(" ".join(words))))


def terms(q: str) -> list[str]:
    return _WORD.findall(fold(q))[:MAX_TERMS]


def _ready(db: Database) -> bool:
    return bool(getattr(db, "_products_fts_ready", False))


async def ensure_index(db: Database, session: AsyncSession | None = None) -> bool:
    """Create the SQLite FTS5 index (and its triggers) once per database; no-op on PostgreSQL.

    Returns whether it was created now. Writers pass their own ``session`` (the DDL joins their
    transaction, so no second connection waits on their lock); readers let it run on a connection of
    its own and commit at once.
    """
    if not db.is_sqlite or _ready(db):
        return False
    if session is not None:
        exists = await session.scalar(text("SELECT 1 FROM sqlite_master WHERE name = 'products_fts'"))
        if not exists:
            for stmt in FTS_DDL:
                await session.execute(text(stmt))
            await session.execute(text("INSERT INTO products_fts(products_fts) VALUES ('rebuild')"))
        else:
            db._products_fts_ready = True  # type: ignore[attr-defined]
        return not exists
    async with db.engine.begin() as conn:
        exists = await conn.scalar(text("SELECT 1 FROM sqlite_master WHERE name = 'products_fts'"))
        if not exists:
            for stmt in FTS_DDL:
                await conn.execute(text(stmt))
            await conn.execute(text("INSERT INTO products_fts(products_fts) VALUES ('rebuild')"))
    db._products_fts_ready = True  # type: ignore[attr-defined]
    return not exists


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance of ``a`` and ``b`` is at most one."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def typo_candidates(term: str, vocabulary: Iterable[str], limit: int = 12) -> list[str]:
    """Indexed terms one edit away from ``term``, as a whole word or as a prefix of a longer word."""
    out: list[str] = []
    n = len(term)
    for word in vocabulary:
        if within_one_edit(term, word) or (len(word) > n and within_one_edit(term, word[:n])):
            out.append(word)
            if len(out) >= limit:
                break
    return out


VOCABULARY_TTL = 600.0


async def _vocabulary(session: AsyncSession) -> list[str]:
    """The indexed terms (for typo candidates), read once per process and database for a while: a
    full walk of the index, too slow to repeat per query on a large catalog."""
    import time

    bind = session.bind
    cache: dict[Any, tuple[float, list[str]]] = _VOCAB
    key = str(getattr(bind, "url", ""))
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    rows = await session.execute(text("SELECT term FROM products_fts_vocab WHERE length(term) >= 3"))
    words = [r[0] for r in rows]
    cache[key] = (now + VOCABULARY_TTL, words)
    return words


_VOCAB: dict[Any, tuple[float, list[str]]] = {}


async def sqlite_match(session: AsyncSession, words: list[str]) -> str | None:
    """The FTS5 MATCH expression for ``words``: each word as a prefix, widened by one typo when it
    alone matches nothing. ``None`` when nothing can match."""
    groups: list[str] = []
    for w in words:
        hit = await session.scalar(
            text("SELECT 1 FROM products_fts WHERE products_fts MATCH :m LIMIT 1"), {"m": f'"{w}"*'}
        )
        alts = [f'"{w}"*']
        if not hit:
            if len(w) < 4:
                return None
            cands = typo_candidates(w, await _vocabulary(session))
            if not cands:
                return None
            alts = [f'"{c}"' for c in cands] + [f'"{c}"*' for c in cands if len(c) == len(w)]
        groups.append("(" + " OR ".join(alts) + ")")
    return " AND ".join(groups) if groups else None


def _pg_vector(search_text: Any) -> Any:
    return func.to_tsvector(literal_column("'ecovarejo_pt'::regconfig"), search_text)


def _pg_query(word: str) -> Any:
    return func.to_tsquery(literal_column("'ecovarejo_pt'::regconfig"), literal(f"{word}:*", String))


MAX_PG_CANDIDATES = 30000


async def pg_condition(
    db: Database, tenant_id: Any, search_text: Any, id_column: Any, tenant_column: Any, words: list[str]
) -> tuple[ColumnElement[bool], ColumnElement[Any]] | None:
    """(filter, relevance) for PostgreSQL, or ``None`` when nothing can match.

    Each word is a stemmed prefix on the tsvector index; a word that matches nothing there is taken
    as a typo and matched by trigram word similarity (``<%``, on the trigram index of the document's
    head, where the name is). Row-level security hides the GIN indexes from non-leakproof operators
    such as ``@@``, so the matching ids are looked up as the owner, filtered explicitly by tenant,
    and the listing itself then runs under RLS as usual. Relevance is cheap on purpose (no per-row
    ``to_tsvector``): words found at the start of the document rank higher.
    """
    vector = _pg_vector(search_text)
    head = func.left(search_text, 60)
    conds = []
    rank: Any = literal(0)
    async with db.engine.connect() as conn:
        await conn.execute(text(f"SET LOCAL pg_trgm.word_similarity_threshold = {TYPO_SIMILARITY}"))
        for w in words:
            # Materialised so the planner takes the GIN index (with LIMIT 1 alone it may walk the table).
            m = (
                select(tenant_column.label("t"))
                .where(vector.op("@@")(_pg_query(w)))
                .cte("m")
                .prefix_with("MATERIALIZED")
            )
            hit = await conn.scalar(select(literal(1)).select_from(m).where(m.c.t == tenant_id).limit(1))
            conds.append(vector.op("@@")(_pg_query(w)) if hit else literal(w, String).op("<%")(head))
            rank = rank + case((func.strpos(head, literal(w, String)) > 0, 2), else_=0)
            rank = rank + case((func.strpos(head, literal(w[: max(3, len(w) - 2)], String)) > 0, 1), else_=0)
        ids = list(
            (
                await conn.execute(select(id_column).where(tenant_column == tenant_id, *conds).limit(MAX_PG_CANDIDATES))
            ).scalars()
        )
        await conn.rollback()
    if not ids:
        return None
    return id_column == any_(literal(ids, ARRAY(Uuid))), rank
