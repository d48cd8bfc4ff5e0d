"""The JWT signing keys: a ring of RSA keys read from one PEM file.

The file holds one or more PEM private keys. The **first** signs new tokens; every key in the file
verifies, so rotation is "put a new key first" and retirement is "delete the old key" once the
longest-lived token it signed has expired. Each key's ``kid`` is its RFC 7638 thumbprint.

The file is ``settings.jwt_private_key_file`` (a mounted secret in scale-out: every process reads
the same keys) or, in the embedded mode, ``DATA_DIR/keys/jwt-signing.pem``, generated once.
Running processes notice a changed file within ``reload_interval`` seconds (and at once when a token
names a ``kid`` they do not know), so a rotation needs no restart. Safe rotation across processes:
add the new key *second* (verifying only), wait for the file to reach every process, then move it
first (``ecovarejo users keys rotate`` does both steps in one when all processes share the file).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, RSAKey

from ecovarejo.core.settings import Settings

ALGORITHM = "RS256"
KEY_BITS = 2048
_BEGIN = "-----BEGIN"


def _with_kid(key: RSAKey) -> RSAKey:
    """The same key with its ``kid`` (the thumbprint), ``use`` and ``alg``; no second PEM parse (an RSA
    private key's load checks the key and costs a quarter of a second at every process start)."""
    return RSAKey(key.raw_value, key.original_value, {"kid": key.thumbprint(), "use": "sig", "alg": ALGORITHM})


def generate_key(bits: int = KEY_BITS) -> RSAKey:
    return _with_kid(RSAKey.generate_key(bits, private=True))


#: Keys already parsed in this process, by their PEM block: a reload after a rotation parses only the new
#: key, and every container of one process (tests build hundreds) shares one parse (~40 ms of CPU each).
_parsed: dict[str, RSAKey] = {}


def _import(block: str) -> RSAKey:
    key = _parsed.get(block)
    if key is None:
        if len(_parsed) >= 64:  # a bound, not an LRU: rotations are rare
            _parsed.clear()
        key = _parsed[block] = _with_kid(RSAKey.import_key(block.encode()))
    return key


def parse_pem_keys(text: str) -> list[RSAKey]:
    """Every private key of a PEM bundle, in file order."""
    blocks = [(_BEGIN + part).strip() for part in text.split(_BEGIN)[1:]]
    keys = [_import(block) for block in blocks]
    for key in keys:
        if not key.is_private:
            raise ValueError("the JWT key file must hold private keys")
    return keys


def dump_pem_keys(keys: list[RSAKey]) -> str:
    return "".join(k.as_pem(private=True).decode() for k in keys)


@dataclass
class KeyRing:
    keys: list[RSAKey]
    path: Path | None = None
    reload_interval: float = 5.0
    _mtime: int = field(default=0, repr=False)
    _checked: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._mtime = self._file_mtime()
        self._checked = time.monotonic()

    def _file_mtime(self) -> int:
        try:
            return self.path.stat().st_mtime_ns if self.path else 0
        except FileNotFoundError:
            return 0

    def reload_if_changed(self, *, force: bool = False) -> bool:
        """Re-read the key file when it changed (checked at most every ``reload_interval`` seconds)."""
        if self.path is None:
            return False
        now = time.monotonic()
        if not force and now - self._checked < self.reload_interval:
            return False
        self._checked = now
        mtime = self._file_mtime()
        if mtime == self._mtime or mtime == 0:
            return False
        keys = parse_pem_keys(self.path.read_text())
        if not keys:
            return False
        self.keys, self._mtime = keys, mtime
        return True

    @property
    def signing_key(self) -> RSAKey:
        return self.keys[0]

    @property
    def kids(self) -> list[str]:
        return [str(k.kid) for k in self.keys]

    def key_set(self) -> KeySet:
        return KeySet(list(self.keys))

    def jwks(self) -> dict[str, Any]:
        """The public keys, for ``/.well-known/jwks.json``."""
        return {"keys": [k.as_dict(private=False) for k in self.keys]}

    def find(self, kid: str) -> RSAKey | None:
        key = next((k for k in self.keys if k.kid == kid), None)
        if key is None and self.reload_if_changed(force=True):  # a stat(); re-read only when changed
            key = next((k for k in self.keys if k.kid == kid), None)
        return key

    def add_verification_key(self) -> str:
        """Step one of a multi-process rotation: a new key placed second (verifies, does not sign yet)."""
        key = generate_key()
        self.keys.insert(1, key)
        self._save()
        return str(key.kid)

    def promote(self, kid: str) -> None:
        """Step two: make a key already in the ring the signing key."""
        key = next((k for k in self.keys if k.kid == kid), None)
        if key is None:
            raise KeyError(kid)
        self.keys = [key, *[k for k in self.keys if k.kid != kid]]
        self._save()

    # -- rotation ------------------------------------------------------------------------------
    def rotate(self) -> str:
        """Put a fresh key first (it signs from now on); the others keep verifying. Returns its kid."""
        key = generate_key()
        self.keys.insert(0, key)
        self._save()
        return str(key.kid)

    def retire(self, kid: str) -> None:
        """Remove a key: tokens it signed stop verifying. The signing key cannot be retired."""
        if self.keys and self.keys[0].kid == kid:
            raise ValueError("the current signing key cannot be retired; rotate first")
        remaining = [k for k in self.keys if k.kid != kid]
        if len(remaining) == len(self.keys):
            raise KeyError(kid)
        self.keys = remaining
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(dump_pem_keys(self.keys))
        tmp.replace(self.path)
        self._mtime = self._file_mtime()


def key_file(settings: Settings) -> Path:
    if settings.jwt_private_key_file:
        return Path(settings.jwt_private_key_file)
    return settings.data_dir / "keys" / "jwt-signing.pem"


def load_key_ring(settings: Settings) -> KeyRing:
    """The configured key file, or the embedded one (created with a new key the first time)."""
    path = key_file(settings)
    if settings.jwt_private_key_file:
        if not path.exists():
            raise FileNotFoundError(f"JWT key file {path} does not exist")
    elif not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(dump_pem_keys([generate_key()]))
        try:  # link is atomic and refuses to overwrite: when two processes start together, one key wins
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    keys = parse_pem_keys(path.read_text())
    if not keys:
        raise ValueError(f"no private key in {path}")
    return KeyRing(keys, path)
