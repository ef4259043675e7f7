"""Concise run progress for the terminal: one line per finished step or failed check.

Dagster's full event log goes to the run log file; this logger prints only what a person watching
`stagewise run` needs, as it happens.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import dagster as dg

_STEP_EVENTS = {"STEP_SUCCESS": "ok ", "STEP_FAILURE": "FAIL", "STEP_SKIPPED": "skip"}


class ProgressHandler(logging.Handler):
    def __init__(self, stream: TextIO) -> None:
        super().__init__(level=logging.DEBUG)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        line = progress_line(record)
        if line:
            self.stream.write(line + "\n")
            self.stream.flush()


def progress_line(record: logging.LogRecord) -> str | None:
    meta = getattr(record, "dagster_meta", None) or {}
    event = meta.get("dagster_event")
    step = meta.get("step_key") or ""
    if event is None:
        if record.levelno >= logging.WARNING and step:
            message = str(meta.get("orig_message", record.getMessage())).strip().splitlines()[0]
            return f"  warn  {step}: {message}"
        return None
    kind = event.event_type_value
    if kind in _STEP_EVENTS:
        detail = ""
        if kind == "STEP_SUCCESS":
            detail = f" ({event.event_specific_data.duration_ms / 1000:.1f}s)"
        if kind == "STEP_FAILURE" and event.step_failure_data and event.step_failure_data.error:
            detail = " — " + event.step_failure_data.error.message.strip().splitlines()[0]
        return f"  {_STEP_EVENTS[kind]}  {step}{detail}"
    if kind == "ASSET_CHECK_EVALUATION":
        evaluation = event.event_specific_data
        if not evaluation.passed:
            severity = evaluation.severity.value.lower() if evaluation.severity else "error"
            return f"  check {severity}: {evaluation.asset_check_key.to_user_string()} failed"
    return None


def progress_logger(stream: TextIO | None = None) -> dg.LoggerDefinition:
    out = stream or sys.stdout

    @dg.logger(description="One line per finished step or failed check.")
    def _progress(_init_context: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("stagewise.progress", level=logging.DEBUG)
        logger.addHandler(ProgressHandler(out))
        return logger

    return _progress
