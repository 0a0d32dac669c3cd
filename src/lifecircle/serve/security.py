"""Passwords, sessions, CSRF tokens and login throttling of the shared workspace.

* Passwords are hashed with Argon2id (``argon2-cffi``, RFC 9106 parameters of its default profile): memory-hard,
  salted, and the hash names its own parameters so stronger settings can be rolled out by rehashing at login.
* A session is a cookie signed with the server's secret (``itsdangerous``, HMAC-SHA1 over a timestamped payload) that
  names the user, the user's ``session_epoch`` (raised when the password changes or the account is disabled, which
  ends every older session) and the session's CSRF token. The cookie is ``HttpOnly`` (no script reads it) and
  ``SameSite=Strict`` (no other site's page sends it); it expires after :data:`SESSION_MAX_AGE_S`.
* Every state-changing request carries the session's CSRF token in the ``X-CSRF-Token`` header (a form on another
  site cannot set a header, nor read the token); the login request carries the token of a signed pre-session cookie.
* Failed logins are counted per user name and per client address: after :data:`MAX_FAILURES` failures within
  :data:`FAILURE_WINDOW_S` seconds, further attempts are refused until the window has passed.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

#: Name of the session cookie.
SESSION_COOKIE = "lifecircle_session"
#: Name of the pre-session cookie that carries the login form's CSRF token.
LOGIN_COOKIE = "lifecircle_login"
#: Header that carries the CSRF token of a state-changing request.
CSRF_HEADER = "X-CSRF-Token"
#: Seconds a session lasts (12 hours: one working day).
SESSION_MAX_AGE_S = 12 * 3600
#: Failed logins allowed per user name or client address within :data:`FAILURE_WINDOW_S`.
MAX_FAILURES = 5
#: Seconds over which failed logins are counted (15 minutes).
FAILURE_WINDOW_S = 15 * 60
#: Shortest password accepted, characters.
MIN_PASSWORD_CHARS = 10

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (a string that names its salt and parameters)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for a wrong password or a damaged hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    """A random URL-safe token of 32 bytes (CSRF tokens, secrets)."""
    return secrets.token_urlsafe(32)


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


@dataclass(frozen=True)
class Session:
    """What a session cookie carries."""

    user_name: str
    epoch: int
    csrf: str


class SessionSigner:
    """Signs and reads session and pre-session cookies with the server's secret."""

    def __init__(self, secret: str):
        self._sessions = URLSafeTimedSerializer(secret, salt="lifecircle-session")
        self._login = URLSafeTimedSerializer(secret, salt="lifecircle-login")

    def session_cookie(self, session: Session) -> str:
        return self._sessions.dumps([session.user_name, session.epoch, session.csrf])

    def read_session(self, cookie: str | None) -> Session | None:
        """The session of a cookie, or None when it is missing, forged, damaged or expired."""
        if not cookie:
            return None
        try:
            user, epoch, csrf = self._sessions.loads(cookie, max_age=SESSION_MAX_AGE_S)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(user, str) or not isinstance(epoch, int) or not isinstance(csrf, str):
            return None
        return Session(user, epoch, csrf)

    def login_cookie(self, token: str) -> str:
        return self._login.dumps(token)

    def read_login(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            token = self._login.loads(cookie, max_age=SESSION_MAX_AGE_S)
        except (BadSignature, ValueError, TypeError):
            return None
        return token if isinstance(token, str) else None


class LoginThrottle:
    """Counts failed logins per key (user name, client address) in a sliding window; thread-safe."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = FAILURE_WINDOW_S):
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def retry_after_s(self, *keys: str) -> float:
        """Seconds until any of ``keys`` may try again (0 when none is blocked)."""
        now = time.monotonic()
        with self._lock:
            waits = [self.window_s - (now - q[0]) for q in (self._recent(k, now) for k in keys)
                     if len(q) >= self.max_failures]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, user_key: str) -> None:
        with self._lock:
            self._failures.pop(user_key, None)
