"""Updates a webhook acknowledged and did not answer before a stop: handed over, not lost.

Telegram forgets an update once the webhook answered 200. Those still in hand when the process
stops (past STOP_DEADLINE_SECONDS) are written here, and the next start, or another replica,
answers them: exactly once, since taking one removes it.

- `FileHandover`: a file in STATE_DIR (mode 0600, written whole then renamed), read and removed
  at the next start of this process. It holds the few updates of one stop, for the minutes until
  the restart: what is needed to answer them, and nothing once they are answered.
- `RedisHandover`: a list in the bot's Redis namespace; any replica takes from it (at start and
  every few seconds). The updates are encrypted (AES-GCM, a key derived from STATE_KEY_SECRET):
  no chat id or message is ever readable in the shared store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

HANDOVER_FILE = "webhook-handover.json"
HANDOVER_KEY = "handover"  # under the bot's Redis namespace
NONCE_BYTES = 12

Raw = dict[str, Any]  # an update as Telegram sent it (JSON)


class Handover(Protocol):
    async def save(self, updates: list[Raw]) -> None: ...
    async def take(self) -> list[Raw]: ...


class Acknowledged:
    """The updates answered 200 and not handled yet, by id (the webhook's bound counts them)."""

    def __init__(self) -> None:
        self._raw: dict[int, Raw] = {}

    def __len__(self) -> int:
        return len(self._raw)

    def add(self, update_id: int, raw: Raw) -> None:
        self._raw[update_id] = raw

    def done(self, update_id: int) -> None:
        self._raw.pop(update_id, None)

    def pending(self) -> list[Raw]:
        """What is still unanswered, oldest first."""
        return [self._raw[i] for i in sorted(self._raw)]


class FileHandover:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def save(self, updates: list[Raw]) -> None:
        if not updates:
            return
        kept = [*self._read(), *updates]  # a previous stop's, not taken yet, stay too
        partial = self.path.with_suffix(".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(kept, file)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(self.path)

    async def take(self) -> list[Raw]:
        found = self._read()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        return found

    def _read(self) -> list[Raw]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            log.error("the handover file could not be read (%s): its updates are lost", type(error).__name__)
            return []
        return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


class RedisHandover:
    def __init__(self, client: Any, prefix: str, secret: str) -> None:
        self._client = client
        self._key = f"{prefix}{HANDOVER_KEY}"
        # A key of its own, derived from the state secret: the chat-id HMACs use the secret itself.
        self._cipher = AESGCM(hashlib.sha256(b"cicr handover\x00" + secret.encode()).digest())

    async def save(self, updates: list[Raw]) -> None:
        if updates:
            await self._client.rpush(self._key, *(self._seal(u) for u in updates))

    async def take(self) -> list[Raw]:
        """Every update handed over so far; LPOP is atomic: each goes to one replica only."""
        taken: list[Raw] = []
        while True:
            sealed = await self._client.lpop(self._key)
            if sealed is None:
                return taken
            opened = self._open(sealed)
            if opened is not None:
                taken.append(opened)

    def _seal(self, update: Raw) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._cipher.encrypt(nonce, json.dumps(update).encode(), None)

    def _open(self, sealed: bytes) -> Raw | None:
        try:
            plain = self._cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], None)
            found = json.loads(plain)
        except (InvalidTag, ValueError):  # another secret, or damaged: not ours to read
            log.error("an update handed over could not be read: skipped")
            return None
        return found if isinstance(found, dict) else None
