"""Posting to a WeCom (企业微信) group robot: its webhook, its limits, retries. No Dagster, no other dependency.

The robot takes `POST <webhook>` with JSON `{"msgtype": "markdown", "markdown": {"content": ...}}` and answers
`{"errcode": 0, "errmsg": "ok"}`. Its limits: content at most 4096 bytes of UTF-8, 20 messages a minute per
robot (errcode 45009 when exceeded; this process also keeps to 20 a minute by itself). A failed post (network
error, HTTP error, non-zero errcode) is retried with a growing pause, longer after 45009; when every attempt
failed it is logged and `post` returns the reason: posting is an optional product and never raises.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_CONTENT_BYTES = 4096
RATE_LIMITED = 45009  # errcode: more than 20 messages in a minute
# Mainland mobile numbers (11 digits starting 1[3-9]), with or without +86 and separators: never sent.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)")
MOBILE_MASK = "1**********"


@dataclass(frozen=True)
class Retry:
    """How often and how patiently a post is retried: pauses of `pause`, doubling, after a failed attempt,
    and at least `rate_limited_pause` seconds after errcode 45009 (the robot's minute window)."""

    attempts: int = 3
    pause: float = 2.0
    rate_limited_pause: float = 60.0
    timeout: float = 10.0


DEFAULT_RETRY = Retry()


class RateWindow:
    """At most `limit` posts in any `seconds`: `wait` pauses until a post fits (one robot, this process)."""

    def __init__(self, limit: int = 20, seconds: float = 60.0) -> None:
        self.limit, self.seconds = limit, seconds
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        with self._lock:
            while self._sent and clock() - self._sent[0] >= self.seconds:
                self._sent.popleft()
            if len(self._sent) >= self.limit:
                sleep(self.seconds - (clock() - self._sent[0]))
                self._sent.popleft()
            self._sent.append(clock())


WINDOW = RateWindow()  # the robot's 20 messages a minute, kept by this process before the robot has to say 45009


@dataclass(frozen=True)
class PostResult:
    ok: bool
    attempts: int
    error: str = ""  # the last failure's reason when not ok


def redact_mobiles(text: str) -> str:
    """`text` with every mobile number masked."""
    return _MOBILE.sub(MOBILE_MASK, text)


def fit(content: str, limit: int = MAX_CONTENT_BYTES) -> str:
    """`content` cut to at most `limit` bytes of UTF-8, on a character boundary, marked with an ellipsis."""
    data = content.encode("utf-8")
    if len(data) <= limit:
        return content
    return data[: limit - len("…".encode())].decode("utf-8", errors="ignore") + "…"


def markdown_payload(content: str) -> bytes:
    """The robot's markdown message: mobile numbers masked, the size limit kept."""
    body = {"msgtype": "markdown", "markdown": {"content": fit(redact_mobiles(content))}}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _attempt(webhook: str, payload: bytes, timeout: float) -> tuple[int | None, str]:
    """One POST: (errcode, reason); errcode None when the robot did not answer with one."""
    request = urllib.request.Request(
        webhook, data=payload, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the configured webhook
            answer = json.loads(response.read().decode("utf-8") or "{}")
    except urllib.error.HTTPError as exc:
        return None, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    except ValueError:
        return None, "the answer is not JSON"
    errcode = answer.get("errcode")
    return (errcode if isinstance(errcode, int) else None), f"errcode {errcode}: {answer.get('errmsg', '')}"


def post(
    webhook: str, content: str, retry: Retry = DEFAULT_RETRY, sleep: Callable[[float], None] = time.sleep
) -> PostResult:
    """Post `content` as a markdown message to the robot at `webhook`; retried, then logged. Never raises."""
    payload = markdown_payload(content)
    reason = ""
    for attempt in range(1, retry.attempts + 1):
        WINDOW.wait(sleep)
        errcode, reason = _attempt(webhook, payload, retry.timeout)
        if errcode == 0:
            return PostResult(True, attempt)
        if attempt < retry.attempts:
            pause = retry.pause * 2 ** (attempt - 1)
            sleep(max(pause, retry.rate_limited_pause) if errcode == RATE_LIMITED else pause)
    log.warning("WeCom robot post failed after %d attempts: %s", retry.attempts, reason)
    return PostResult(False, retry.attempts, reason)
