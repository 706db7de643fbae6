"""The administrator: an Argon2 password hash, signed expiring sessions, CSRF tokens and
a login rate limit.

The password hash and the signing key live in the data folder's ``web/`` (mode 0600):
whoever can read the data folder holds the round anyway. Sessions are cookies signed
with ``itsdangerous`` that carry their own issue time; the CSRF token of a form is an
HMAC of the session (admin) or of the unit link (clerk) under the same key, so a form
from another site never carries a valid one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

WEB_DIR = "web"
PASSWORD_FILE = "admin.json"
SECRET_FILE = "secret.key"
MIN_PASSWORD = 8


def web_dir(data_dir: str | Path) -> Path:
    folder = Path(data_dir) / WEB_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def set_password(data_dir: str | Path, password: str, user: str = "admin") -> None:
    """Store the administrator's password as an Argon2id hash (never the password)."""
    from argon2 import PasswordHasher

    if len(password) < MIN_PASSWORD:
        raise ValueError(f"密码至少 {MIN_PASSWORD} 个字符")
    doc = {"user": user, "hash": PasswordHasher().hash(password)}
    _write_private(web_dir(data_dir) / PASSWORD_FILE, json.dumps(doc) + "\n")


def has_password(data_dir: str | Path) -> bool:
    return (Path(data_dir) / WEB_DIR / PASSWORD_FILE).is_file()


def check_password(data_dir: str | Path, user: str, password: str) -> bool:
    """True when ``user`` and ``password`` are the administrator's."""
    from argon2 import PasswordHasher
    from argon2.exceptions import Argon2Error, InvalidHashError

    path = Path(data_dir) / WEB_DIR / PASSWORD_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    try:
        ok = PasswordHasher().verify(doc["hash"], password)
    except (Argon2Error, InvalidHashError, KeyError):
        return False
    return bool(ok) and hmac.compare_digest(str(doc.get("user", "")), user)


def secret_key(data_dir: str | Path) -> bytes:
    """The portal's signing key, made once per data folder."""
    path = web_dir(data_dir) / SECRET_FILE
    if not path.is_file():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


@dataclass
class Sessions:
    """Signed, expiring session cookies and the CSRF tokens bound to them."""

    key: bytes
    max_age: int = 8 * 3600
    secure: bool = False  # the Secure flag, for a portal served over https
    cookie: str = "bt_session"
    ended_file: Path | None = None  # ids of sessions ended by logging out, one a line

    def _ended(self) -> dict[str, float]:
        """Ended session ids -> when they ended; entries past ``max_age`` are dropped."""
        if self.ended_file is None or not self.ended_file.is_file():
            return {}
        now, out = time.time(), {}
        for line in self.ended_file.read_text(encoding="ascii", errors="replace").split():
            sid, _, at = line.partition("@")
            try:
                when = float(at)
            except ValueError:
                continue
            if now - when <= self.max_age:
                out[sid] = when
        return out

    def end(self, session: dict[str, str]) -> None:
        """Log a session out on the server: its cookie, even if copied, no longer works."""
        if self.ended_file is None:
            return
        ended = self._ended()
        ended[session["s"]] = time.time()
        _write_private(self.ended_file, "".join(f"{s}@{t:.0f}\n" for s, t in ended.items()))

    def _serializer(self):  # type: ignore[no-untyped-def]
        from itsdangerous import URLSafeTimedSerializer

        return URLSafeTimedSerializer(self.key, salt="budget-toolkit-admin")

    def make(self, user: str) -> str:
        return str(self._serializer().dumps({"u": user, "s": secrets.token_urlsafe(16)}))

    def read(self, value: str | None) -> dict[str, str] | None:
        """The session in a cookie value, or None when missing, forged or expired."""
        from itsdangerous import BadData

        if not value:
            return None
        try:
            data = self._serializer().loads(value, max_age=self.max_age)
        except BadData:
            return None
        if not (isinstance(data, dict) and "s" in data) or data["s"] in self._ended():
            return None
        return data

    def csrf(self, scope: str) -> str:
        """The CSRF token of forms shown under ``scope`` (a session id, a unit link)."""
        return hmac.new(self.key, b"csrf:" + scope.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, scope: str, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf(scope), str(given))


@dataclass
class RateLimit:
    """At most ``attempts`` failed logins per ``window`` seconds, per client and overall."""

    attempts: int = 5
    window: float = 300.0
    overall: int = 50
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return (
                len(self._recent(client, now)) >= self.attempts
                or len(self._recent("*", now)) >= self.overall
            )

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(client, now).append(now)
            self._recent("*", now).append(now)
