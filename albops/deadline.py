"""Wall-clock deadlines around the calls socket timeouts cannot bound.

A socket timeout bounds one read: a server that sends a byte before each timeout (a trickle) holds a
call for ever, name resolution has no timeout at all, and botocore retries a call up to ten times with
back-off between the tries. So every AWS and Kubernetes call of ``sweep`` and ``teardown`` runs in a
daemon thread of its own and is given up when its time is over: the caller goes on at once (the thread,
a daemon, never keeps the process alive), and the abandoned call may send nothing more (the AWS session's
``before-send`` hook refuses). A call that changes something (a delete) and was given up may still have
reached the endpoint: it is kept in ``Deadline.unanswered`` and reported as "state unknown", never as done
or not done.

A call's time is the smaller of the call allowance and what is left of the command's deadline, so a
command ends within its deadline (plus the moment it takes to report) whatever the endpoint does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# The allowance of one call unless a command says otherwise: long enough for any answer AWS or an API
# server gives in practice (a DescribeLoadBalancers page of 400 is well under a second), short enough that
# a stalled endpoint is named within half a minute.
DEFAULT_CALL_SECONDS = 30.0


class DeadlineExceeded(BaseException):
    """A call had no complete answer in its time; the command stops, as on Ctrl-C.

    A ``BaseException`` like ``KeyboardInterrupt``: the per-resource ``except Exception`` of a sweep must not
    take it for one resource's failure and go on to wait again for each of the others.
    """

    def __init__(self, endpoint: str, step: str, seconds: float, limit: str, last: str = "") -> None:
        super().__init__(endpoint, step, seconds, limit, last)
        self.endpoint = endpoint
        self.step = step
        self.seconds = seconds
        self.limit = limit  # what ran out: "the call allowance" or "the command's deadline"
        self.last = last  # what the endpoint said to the last try, when it said anything

    def __str__(self) -> str:
        said = f" (it answered earlier tries with {self.last}, and the retries did not finish)" if self.last else ""
        return (
            f"{self.endpoint} gave no complete answer to {self.step} within {self.seconds:.1f} s ({self.limit}){said}"
        )


@dataclass(frozen=True)
class Unanswered:
    """A change that was sent, or may have been, and whose answer never came."""

    endpoint: str
    step: str
    subject: str  # what it would change: an ARN, a group id, a Kubernetes object

    def __str__(self) -> str:
        return (
            f"state unknown: {self.subject}: {self.step} was sent to {self.endpoint} and no answer came; it may or "
            "may not have happened (run the command again: it describes it anew)"
        )


@dataclass
class CallState:
    """One call in its thread: given up (nothing more may be sent), and what its last try was told."""

    ends_at: float
    abandoned: threading.Event = field(default_factory=threading.Event)
    tries: int = 0
    last: str = ""


_current = threading.local()

# How often a thread waiting for another wakes to run Python: a signal the system hands to any thread of the
# process (Linux passes over a thread that already has one pending) runs its handler, and so raises Ctrl-C's
# KeyboardInterrupt, only when the main thread next runs Python, which one long join would put off to its end.
SIGNAL_CHECK_S = 0.2


def join_awake(thread: threading.Thread, seconds: float) -> None:
    """``thread.join(seconds)``, in short waits, so a signal stops the waiting thread at once."""
    ends = time.monotonic() + seconds
    while thread.is_alive() and (left := ends - time.monotonic()) > 0:
        thread.join(min(left, SIGNAL_CHECK_S))


def wait_awake(event: threading.Event) -> None:
    """``event.wait()``, in short waits, for the same reason."""
    while not event.wait(SIGNAL_CHECK_S):
        pass


def current_call() -> CallState | None:
    """The call the running thread makes under a deadline, if any (for the session's hooks)."""
    state: CallState | None = getattr(_current, "call", None)
    return state


class CallAbandonedError(Exception):
    """Raised in an abandoned call's own thread, so that it sends nothing more; no one else sees it."""


@dataclass
class Deadline:
    """A command's deadline (``seconds`` from now; None: none) and the allowance of each call."""

    seconds: float | None = None
    call_seconds: float = DEFAULT_CALL_SECONDS
    clock: Callable[[], float] = time.monotonic
    unanswered: list[Unanswered] = field(default_factory=list)
    started: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()
        self._lock = threading.Lock()

    @property
    def ends_at(self) -> float | None:
        return None if self.seconds is None else self.started + self.seconds

    def extend(self, seconds: float) -> None:
        """Move the deadline on by ``seconds``: time spent in a step the deadline does not cover."""
        if self.seconds is not None:
            self.seconds += seconds

    def budget(self) -> tuple[float, str]:
        """How long the next call may take, and which limit that is."""
        ends_at = self.ends_at
        if ends_at is not None and ends_at - self.clock() < self.call_seconds:
            return max(0.0, ends_at - self.clock()), "the command's deadline"
        return self.call_seconds, f"the call allowance of {self.call_seconds:g} s"

    def run(self, call: Callable[[], T], *, endpoint: str, step: str, subject: str = "", changes: bool = False) -> T:
        """``call()``'s result, or ``DeadlineExceeded`` once its time is over (the call is then given up).

        ``changes``: the call changes something (a delete); given up, it is recorded as unanswered.
        """
        seconds, limit = self.budget()
        state = CallState(ends_at=self.clock() + seconds)
        outcome: list[tuple[bool, object]] = []

        def work() -> None:
            _current.call = state
            try:
                outcome.append((True, call()))
            except BaseException as error:  # handed to the caller's thread, whatever it is
                outcome.append((False, error))

        if seconds > 0:
            worker = threading.Thread(target=work, name=f"albops-call: {step}", daemon=True)
            worker.start()
            try:
                join_awake(worker, seconds)
            except BaseException:  # Ctrl-C while waiting: the call is given up, and a change in flight is unknown
                state.abandoned.set()
                if changes and not outcome:
                    with self._lock:
                        self.unanswered.append(Unanswered(endpoint, step, subject or step))
                raise
        if not outcome:
            state.abandoned.set()
            if changes and seconds > 0:
                with self._lock:
                    self.unanswered.append(Unanswered(endpoint, step, subject or step))
            raise DeadlineExceeded(endpoint, f"{step} {subject}".strip(), seconds, limit, state.last)
        ok, value = outcome[0]
        if ok:
            return value  # type: ignore[return-value]
        assert isinstance(value, BaseException)
        if isinstance(value, DeadlineExceeded) and changes:  # a read timeout inside the call, after sending
            with self._lock:
                self.unanswered.append(Unanswered(endpoint, step, subject or step))
        raise value


def attempts_within(seconds: float, ceiling: int) -> int:
    """The most tries (at most ``ceiling``) whose longest back-off together fits in half of ``seconds``.

    botocore's standard and adaptive modes wait up to ``min(2 ** i, 20)`` seconds before try ``i + 2`` when
    throttled, and up to 5 s more when the answer carries ``x-amz-retry-after`` (botocore/retries/standard.py,
    ExponentialBackoff: base 2, MAX_BACKOFF 20, throttling scale 1 s, _RETRY_AFTER_MAX_ADDITIONAL 5); the other
    half of the allowance is left for the tries themselves.
    """

    def longest_wait(attempt: int) -> float:
        return min(2.0 ** (attempt - 1), 20.0) + 5.0

    attempts, waited = 1, 0.0
    while attempts < ceiling and waited + longest_wait(attempts) <= seconds / 2:
        waited += longest_wait(attempts)
        attempts += 1
    return attempts
