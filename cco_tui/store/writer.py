"""The one writer thread: it prices records and commits them in batches, off the event loop.

submit() only puts on a bounded queue (non-blocking; a full queue is counted and logged, never silent).
The thread takes up to `batch_size` records or waits at most `flush_ms` after the first, then commits the
rows and the rollup updates in one transaction. stop() sends a sentinel and joins, so everything queued
before it is written.

When the database is unreachable (PostgreSQL restarting, a network blip), the batch in hand is kept and
retried with exponential backoff while the queue keeps filling: records are dropped (and counted) only once
the queue is full. A batch that fails for any other reason (bad data) is logged and counted as failed.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from peewee import Database, InterfaceError, OperationalError

from cco_tui.costs.pricing import PricingTable
from cco_tui.costs.savings import Costing
from cco_tui.store.db import first_line, new_database
from cco_tui.store.meters import MeterSnapshot, save_meters
from cco_tui.store.migrations import migrate
from cco_tui.store.record import RequestRecord
from cco_tui.store.rollup import add_to_rollups
from cco_tui.store.rows import costing_of, insert_requests, request_row
from cco_tui.store.sessions import add_to_sessions
from cco_tui.store.target import DbTarget, db_target

log = logging.getLogger(__name__)

_STOP = object()
_DROP_LOG_INTERVAL_S = 10.0
RETRY_FIRST_S = 0.1
RETRY_MAX_S = 5.0
_UNREACHABLE = (OperationalError, InterfaceError)  # connection lost/refused; SQLite: database locked
# A client picks the model name: remembering (and warning about) each unpriced one must stay bounded.
MAX_UNPRICED_MODELS = 1000
_UNPRICED_LOG_INTERVAL_S = 10.0


class MetricsSink(Protocol):
    def observe(self, record: RequestRecord, costing: Costing) -> None: ...


@dataclass(frozen=True, slots=True)
class WriterStats:
    queued: int  # waiting in the queue now
    written: int  # committed rows
    dropped: int  # refused by submit() because the queue was full
    failed: int  # lost to database errors other than an outage (logged)
    retrying: bool = False  # the database is unreachable now; the writer holds a batch and retries


class RecordWriter:
    def __init__(
        self,
        db_path: DbTarget | Path | str,
        pricing: PricingTable,
        queue_size: int = 10_000,
        batch_size: int = 500,
        flush_ms: int = 200,
        metrics: MetricsSink | None = None,
    ) -> None:
        self._target = db_target(db_path)
        self._pricing = pricing
        self._batch_size = max(batch_size, 1)
        self._flush_s = flush_ms / 1000
        self._metrics = metrics
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(target=self._run, name="cco-record-writer", daemon=True)
        self._counts_lock = threading.Lock()
        self._written = self._dropped = self._failed = 0
        self._retrying = False
        self._stopping = threading.Event()  # stop() timed out: give up retrying
        self._migrated = False
        self._last_drop_log = 0.0
        self._unpriced_models: set[str] = set()
        self._unpriced_unlogged = 0  # new unpriced names not warned about yet (rate limit)
        self._last_unpriced_log = -_UNPRICED_LOG_INTERVAL_S
        self._meters: dict[str, MeterSnapshot] = {}  # latest per credential, saved with the next batch

    def start(self) -> None:
        self._thread.start()

    def submit(self, record: RequestRecord) -> bool:
        """Queue a record; never blocks. False (and counted) when the queue is full."""
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self._count_drop()
            return False
        return True

    def note_meters(self, snapshot: MeterSnapshot) -> None:
        """Keep a credential's latest meters for the next commit (the request's own row follows it)."""
        with self._counts_lock:
            self._meters[snapshot.credential] = snapshot

    def _take_meters(self) -> list[MeterSnapshot]:
        with self._counts_lock:
            taken, self._meters = list(self._meters.values()), {}
        return taken

    def stop(self, timeout: float = 10.0) -> bool:
        """Write everything queued, then end the thread. True when it finished within `timeout`."""
        if not self._thread.is_alive():
            return self._queue.empty()
        deadline = time.monotonic() + timeout
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            log.error("analytics writer did not drain its queue within %.1f s", timeout)
            self._stopping.set()
            return False
        self._thread.join(max(deadline - time.monotonic(), 0))
        if self._thread.is_alive():
            self._stopping.set()
            log.error("analytics writer: %d request records not saved at shutdown", self._queue.qsize())
        return not self._thread.is_alive()

    def use_pricing(self, pricing: PricingTable) -> None:
        """Price every record from now on with this table (a refreshed price map); one reference swap."""
        self._pricing = pricing
        self._unpriced_models = set()  # a model still unpriced under the new table is worth one more log line

    def stats(self) -> WriterStats:
        with self._counts_lock:
            return WriterStats(self._queue.qsize(), self._written, self._dropped, self._failed, self._retrying)

    def _count_drop(self) -> None:
        with self._counts_lock:
            self._dropped += 1
            dropped, now = self._dropped, time.monotonic()
            should_log = dropped == 1 or now - self._last_drop_log >= _DROP_LOG_INTERVAL_S
            if should_log:
                self._last_drop_log = now
        if should_log:
            log.warning("analytics queue full: %d request records dropped so far (database too slow?)", dropped)

    def _run(self) -> None:
        db = new_database(self._target)
        try:
            self._drain(db)
        except Exception:
            log.exception("analytics writer stopped: request records are no longer saved to %s", self._target)
        finally:
            _disconnect(db)

    def _drain(self, db: Database) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._next_batch()
            if batch or self._meters:
                self._write(db, batch)

    def _next_batch(self) -> tuple[list[RequestRecord], bool]:
        """Up to batch_size records, waiting at most flush_ms after the first; True once the sentinel came."""
        item = self._queue.get()
        deadline = time.monotonic() + self._flush_s
        batch: list[RequestRecord] = []
        while item is not _STOP:
            batch.append(item)
            if len(batch) >= self._batch_size:
                return batch, False
            try:
                item = self._queue.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                return batch, False
        return batch, True

    def _write(self, db: Database, batch: list[RequestRecord]) -> None:
        """Price and commit one batch, retrying while the database is unreachable; any other failure loses
        this batch (logged, counted), never the thread."""
        try:
            priced = [(record, self._price(record)) for record in batch]
            rows = [request_row(record, costing) for record, costing in priced]
            committed = self._commit_retrying(db, rows, self._take_meters())
        except Exception:
            log.exception("analytics writer: %d request records could not be saved", len(batch))
            self._add_counts(failed=len(batch))
            return
        if not committed:
            self._add_counts(failed=len(batch))
            return
        self._add_counts(written=len(rows))
        self._observe(priced)

    def _commit_retrying(self, db: Database, rows: list[dict[str, Any]], meters: list[MeterSnapshot]) -> bool:
        """True once committed; False when stop() gave up on an unreachable database."""
        delay = RETRY_FIRST_S
        while True:
            try:
                self._commit(db, rows, meters)
            except _UNREACHABLE as error:
                _disconnect(db)
                self._note_outage(error)
                if self._stopping.wait(delay):
                    return False
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            self._note_recovery()
            return True

    def _commit(self, db: Database, rows: list[dict[str, Any]], meters: list[MeterSnapshot]) -> None:
        if db.is_closed():
            db.connect()
        if not self._migrated:
            migrate(db)
            self._migrated = True
        with db.atomic():
            _insert(db, rows)
            save_meters(db, meters)

    def _note_outage(self, error: Exception) -> None:
        with self._counts_lock:
            first, self._retrying = not self._retrying, True
        if first:
            log.warning(
                "analytics database %s unreachable (%s): retrying; records wait in the queue (%d/%d)",
                self._target, first_line(error), self._queue.qsize(), self._queue.maxsize,
            )  # fmt: skip

    def _note_recovery(self) -> None:
        with self._counts_lock:
            was, self._retrying = self._retrying, False
        if was:
            log.warning("analytics database %s reachable again", self._target)

    def _price(self, record: RequestRecord) -> Costing:
        costing = costing_of(self._pricing, record)
        if costing.unpriced and record.model not in self._unpriced_models:
            self._note_unpriced(record.model)
        return costing

    def _note_unpriced(self, model: str) -> None:
        """Warn about a new unpriced model name, at most once per interval (a summary covers the rest)."""
        if len(self._unpriced_models) < MAX_UNPRICED_MODELS:
            self._unpriced_models.add(model)
        now = time.monotonic()
        if now - self._last_unpriced_log < _UNPRICED_LOG_INTERVAL_S:
            self._unpriced_unlogged += 1
            return
        self._last_unpriced_log = now
        more, self._unpriced_unlogged = self._unpriced_unlogged, 0
        also = f" (and {more} more unpriced model names since the last warning)" if more else ""
        log.warning("no price for model %r: its requests are recorded as unpriced%s", model[:256], also)

    def _observe(self, priced: list[tuple[RequestRecord, Costing]]) -> None:
        if self._metrics is None:
            return
        try:
            for record, costing in priced:
                self._metrics.observe(record, costing)
        except Exception:
            log.exception("analytics writer: metrics update failed")

    def _add_counts(self, written: int = 0, failed: int = 0) -> None:
        with self._counts_lock:
            self._written += written
            self._failed += failed


def _insert(db: Database, rows: list[dict[str, Any]]) -> None:
    insert_requests(db, rows)
    add_to_rollups(db, rows)
    add_to_sessions(db, rows)


def _disconnect(db: Database) -> None:
    """Drop a connection that may be broken, so the next attempt opens a fresh one."""
    try:
        db.close()
    except Exception:  # a dead connection can fail to close, or still count an open transaction
        with contextlib.suppress(Exception):
            db._state.conn.close()  # type: ignore[attr-defined]
        db._state.reset()  # type: ignore[attr-defined]  # what close() would have done, minus talking to the server
