"""The consumers' retry policy: handler errors a few times, outages for minutes, jittered delays."""

from __future__ import annotations

import sqlalchemy.exc as sa_exc

from ecovarejo.core.consumers import RetryPolicy, is_transient


def test_handler_errors_are_retried_max_attempts_times() -> None:
    policy = RetryPolicy(max_attempts=5)
    assert [policy.should_retry(a, transient=False) for a in range(1, 7)] == [True] * 4 + [False] * 2


def test_transient_errors_are_retried_for_the_budget_in_minutes() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=30.0, retry_budget=900.0)
    last = next(a for a in range(1, 1000) if not policy.should_retry(a, transient=True))
    assert policy.budget_spent(last) <= 900.0 < policy.budget_spent(last + 1)
    assert policy.budget_spent(last) > 14 * 60  # minutes, not the seconds of five attempts
    assert not policy.should_retry(10_000, transient=True)  # bounded work for any attempt number


def test_delays_are_jittered_between_half_and_all_of_the_backoff() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_cap=30.0)
    delays = {round(policy.delay(3), 6) for _ in range(200)}
    assert len(delays) > 50 and min(delays) >= 2.0 and max(delays) <= 4.0
    assert max(policy.delay(50) for _ in range(50)) <= 30.0


class _Pg(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_infrastructure_errors_are_transient_and_handler_errors_are_not() -> None:
    assert is_transient(ConnectionRefusedError())
    assert is_transient(TimeoutError())
    assert is_transient(sa_exc.OperationalError("SELECT 1", {}, Exception("database is locked")))
    assert is_transient(sa_exc.DBAPIError("SELECT 1", {}, _Pg("57P01")))  # admin shutdown
    assert is_transient(sa_exc.DBAPIError("SELECT 1", {}, _Pg("55000")))  # not accepting connections
    assert is_transient(sa_exc.DBAPIError("SELECT 1", {}, _Pg("40001")))  # serialization failure
    try:
        try:
            raise ConnectionResetError("peer")
        except ConnectionResetError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        assert is_transient(exc)
    assert not is_transient(ValueError("bad data"))
    assert not is_transient(KeyError("order_id"))
    assert not is_transient(sa_exc.IntegrityError("INSERT", {}, _Pg("23505")))
    assert not is_transient(sa_exc.DBAPIError("SELECT", {}, _Pg("42P01")))  # undefined table: a bug


def test_sqlite_lock_is_transient_but_a_missing_table_is_a_bug() -> None:
    import sqlite3

    locked = sa_exc.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    missing = sa_exc.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: orders"))
    assert is_transient(locked) and not is_transient(missing)
