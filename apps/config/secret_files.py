"""Secrets `make run` makes for itself and keeps in the var directory, readable by the
site's OS user alone: never in an environment variable, which sandboxed processes started
by the worker could inherit, and never on a command line, which every user can read."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def read_or_create_secret(path: Path, nbytes: int = 50) -> str:
    """The secret stored in ``path``; on first use a new random one, written with mode 0600.

    The web server and the worker may start together: the secret is written to a private
    temporary file and hard-linked into place, so whoever links first wins and nobody ever
    reads a half-written file.
    """
    path = Path(path)
    if not path.exists():
        scratch = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(nbytes) + "\n")
        try:
            os.link(scratch, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            scratch.unlink()
    try:
        # A copy made by an older version may be readable by others: make it ours alone. 0640
        # stays: the production profile gives read to the web's own group (serve.sh), and
        # every worker that starts passes here while the web is starting.
        if stat.S_IMODE(path.stat().st_mode) not in (0o600, 0o640):
            os.chmod(path, 0o600)
    except PermissionError:
        pass  # not ours to change; reading it still works if we may
    secret = path.read_text().strip()
    if not secret:
        raise RuntimeError(f"{path} is empty: delete it and start again to make a new secret")
    return secret
