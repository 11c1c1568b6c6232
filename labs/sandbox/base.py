"""What every sandbox shares: where it lives, which OS user runs it, free ports, and the
owner record the reaper reads to clean up after a worker that died."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from labs.sandbox import box as boxes

# Sandboxes live outside the project tree on purpose: the unprivileged sandbox user must be
# able to reach them, and a learner's server must never sit next to the site's files.
# tmpfs by default where there is one: sandbox data is disposable, and Postgres' many small
# files are created ~10x faster there (attempt database 14 ms on /dev/shm, 145 ms on disk).
_DEFAULT_ROOT = "/dev/shm/indexed-sandboxes" if Path("/dev/shm").is_dir() else "/tmp/indexed-sandboxes"
SANDBOX_ROOT = Path(os.environ.get("INDEXED_SANDBOX_ROOT", _DEFAULT_ROOT))
SANDBOX_USER = os.environ.get("INDEXED_SANDBOX_USER", "indexed-sandbox")
OWNER_FILE = "owner.json"


class SandboxError(RuntimeError):
    """A sandbox could not be started or used: the platform's fault, never the learner's."""


def is_root() -> bool:
    return os.geteuid() == 0


def ensure_sandbox_user() -> pwd.struct_passwd | None:
    """Return the unprivileged account sandboxes run as, creating it when we are root.

    Postgres refuses to run as root, and a learner's server should never hold root's
    rights anyway. When we are not root the sandboxes simply run as ourselves.
    """
    if not is_root():
        return None
    try:
        return pwd.getpwnam(SANDBOX_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SANDBOX_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SANDBOX_USER)


def demote_kwargs() -> dict:
    """subprocess keyword arguments that run the child as the sandbox user (when root)."""
    account = ensure_sandbox_user()
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def chown_to_sandbox_user(path: Path) -> None:
    """Give ``path`` (recursively) to the account of the box it lies in, else the sandbox user."""
    owner = account_for(path)
    if owner is None:
        return
    uid, gid = owner
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


# -- one account per box
#
# Sandboxes of different attempts must not share an OS user: a learner's shell in one could
# otherwise read another's data directory or signal its server. Each box leases one of
# BOX_ACCOUNTS accounts (indexed-sbx-N, all in the sandbox user's group, so one ACL on that
# group keeps them all out of the site's files) with an flock held while the box lives; a
# worker that dies releases its leases with its file descriptors.

BOX_ACCOUNTS = int(os.environ.get("INDEXED_BOX_ACCOUNTS", "32"))
ACCOUNT_LOCKS = Path(os.environ.get("INDEXED_BOX_ACCOUNT_LOCKS", "/run/indexed-box-accounts"))
_LEASED: dict[Path, tuple[int, int, int]] = {}  # sandbox path -> (uid, gid, lock fd)


def account_for(path: Path) -> tuple[int, int] | None:
    """The (uid, gid) that owns files under ``path``: its box's lease, else the sandbox user."""
    resolved = Path(os.path.abspath(path))
    for root, (uid, gid, _) in _LEASED.items():
        if resolved == root or root in resolved.parents:
            return uid, gid
    account = ensure_sandbox_user()
    return None if account is None else (account.pw_uid, account.pw_gid)


def _box_account(index: int) -> pwd.struct_passwd:
    name = f"indexed-sbx-{index}"
    try:
        return pwd.getpwnam(name)
    except KeyError:
        group = ensure_sandbox_user().pw_gid
        done = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "-g", str(group), name],
            capture_output=True,
            text=True,
        )
        if done.returncode not in (0, 9):  # 9: another worker created it first
            raise SandboxError(f"could not create the sandbox account {name}: {done.stderr.strip()}") from None
        return pwd.getpwnam(name)


def lease_account(path: Path) -> tuple[int, int]:
    """Lease a free box account for the sandbox at ``path`` (released by ``release_account``)."""
    import fcntl

    locks = ACCOUNT_LOCKS  # machine-wide: every worker and every sandbox root shares the accounts
    locks.mkdir(mode=0o700, parents=True, exist_ok=True)
    for index in secrets.SystemRandom().sample(range(BOX_ACCOUNTS), BOX_ACCOUNTS):
        fd = os.open(locks / f"{index}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        account = _box_account(index)
        _kill_processes_of(account.pw_uid)  # a dead worker's orphans, not yet reaped
        _remove_files_of(account.pw_uid)  # and what they left in /dev/shm and /tmp
        _LEASED[Path(os.path.abspath(path))] = (account.pw_uid, account.pw_gid, fd)
        return account.pw_uid, account.pw_gid
    raise SandboxError(f"all {BOX_ACCOUNTS} sandbox accounts are in use (INDEXED_BOX_ACCOUNTS raises the number)")


def release_account(path: Path) -> None:
    lease = _LEASED.pop(Path(os.path.abspath(path)), None)
    if lease is not None:
        _remove_files_of(lease[0])  # before the flock goes: nobody else holds this account yet
        os.close(lease[2])


# Shared places a box's account can write outside its own tmpfs: POSIX shared memory (a
# SIGKILLed postmaster with dynamic_shared_memory_type=posix leaves its segments in
# /dev/shm, a few MB each, in RAM) and the world-writable temporary directories.
SHARED_SCRATCH = (Path("/dev/shm"), Path("/tmp"), Path("/var/tmp"))


def _remove_files_of(uid: int) -> None:
    """Remove the top-level entries of SHARED_SCRATCH owned by ``uid`` (a box account is
    exclusive to one box while leased, so everything it owns there is that box's)."""
    for folder in SHARED_SCRATCH:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.lstat().st_uid != uid:
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
            except OSError:
                continue


def _kill_processes_of(uid: int) -> None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue


def _forget_leases_after_fork() -> None:
    # A forked child must not release (close) or reuse its parent's leases.
    _LEASED.clear()


os.register_at_fork(after_in_child=_forget_leases_after_fork)


STANDARD_PORTS = frozenset({5432, 6379, 27017, 5672, 3306})
# Ports this process handed out lately. A deployment asks for several ports before any
# server binds them (a Redis cluster's node and bus ports, Patroni's members), and the
# kernel may offer a port it just released again, so two nodes would be told to use the
# same one and the second would die with "Address already in use". Each sandbox has its
# own network namespace, so only ports from the same process can collide this way.
_recent_ports: collections.deque[int] = collections.deque(maxlen=256)
_recent_ports_lock = threading.Lock()


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now, never a standard one, and
    not one this process handed out among its last 256."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port in STANDARD_PORTS:
            continue
        with _recent_ports_lock:
            if port in _recent_ports:
                continue
            _recent_ports.append(port)
        return port


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SandboxError(f"server on port {port} exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise SandboxError(f"server on port {port} did not accept connections within {timeout:.1f}s")


@dataclass
class SandboxDir:
    """A private directory for one sandbox, with an owner record for the reaper."""

    path: Path
    kind: str
    pids: list[int] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    box: boxes.Box | None = None
    # record() rewrites one file through one temporary name: two threads (a project's parallel
    # sessions, a lab's concurrent steps) adding processes at once would unlink or rename each
    # other's temporary file and lose pids the reaper needs. Reentrant: add_process holds it too.
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False, compare=False)

    def record(self) -> None:
        with self._lock:
            self._record()

    def _record(self) -> None:
        data = {
            "owner_pid": os.getpid(),
            "kind": self.kind,
            "created": time.time(),
            "pids": list(self.pids),
            "ports": list(self.ports),
            "boxed": self.box is not None,
        }
        # Written by root in a directory a learner's shell may reach: never follow a link
        # planted there (O_NOFOLLOW | O_EXCL), or root would write wherever it points.
        tmp = self.path / (OWNER_FILE + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except OSError:
            return  # something else sits there: keep the previous record rather than follow it
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps(data))
        tmp.replace(self.path / OWNER_FILE)

    def spawn(self, argv: list[str], *, env: dict[str, str] | None = None, **popen: object) -> subprocess.Popen:
        """Start ``argv`` inside this sandbox's box as the sandbox user, with only ``env``
        (plus a PATH and a UTF-8 locale) for environment; record its pid for teardown."""
        process = spawn_process(argv, box=self.box, env=env, **popen)
        self.add_process(process.pid)
        return process

    def add_process(self, pid: int, port: int | None = None) -> None:
        with self._lock:
            self.pids.append(pid)
            if port is not None:
                self.ports.append(port)
            self._record()


# The site's own tree (settings, var/ with its database and keys, every lab's solution and
# hidden data): a checkout is world-readable, so the sandbox user is denied it by an ACL.
SITE_ROOT = Path(__file__).resolve().parents[2]
_shielded: set[Path] = set()


def shield_site_files() -> None:
    """Deny the sandbox user the site's tree and INDEXED_SITE_DIRS (colon-separated), once."""
    account = ensure_sandbox_user()
    if account is None:
        return
    extra = [Path(p) for p in os.environ.get("INDEXED_SITE_DIRS", "").split(":") if p]
    for path in [SITE_ROOT, *extra]:
        if path not in _shielded and path.is_dir() and boxes.deny_user(path, account.pw_uid, account.pw_gid):
            _shielded.add(path)


def sandbox_account() -> tuple[int, int] | None:
    account = ensure_sandbox_user()
    return None if account is None else (account.pw_uid, account.pw_gid)


def spawn_process(
    argv: list[str], *, box: boxes.Box | None, env: dict[str, str] | None = None, **popen: object
) -> subprocess.Popen:
    """The one way a sandboxed program starts: in ``box`` (namespace, cgroups) when there is
    one, as the sandbox user, in its own session, with an environment of its own only."""
    environment = boxes.sandbox_env(**(env or {}))
    popen.setdefault("stdin", subprocess.DEVNULL)
    # a Ctrl-C meant for the worker must not kill sandboxes mid-teardown
    popen.setdefault("start_new_session", True)
    if box is not None:
        account = account_for(box.path) if is_root() else None
        return subprocess.Popen(box.command(argv, account), env=environment, **popen)  # type: ignore[call-overload]
    return subprocess.Popen(argv, env=environment, **demote_kwargs(), **popen)  # type: ignore[call-overload]


def make_sandbox_dir(kind: str, limits: boxes.Limits | None = None) -> SandboxDir:
    """A private directory for one sandbox; boxed (own tmpfs, netns, cgroups) unless the
    operator set INDEXED_BOX=off. The directory stays root's (0711): servers get subfolders."""
    SANDBOX_ROOT.mkdir(parents=True, exist_ok=True)
    os.chmod(SANDBOX_ROOT, 0o711)
    path = SANDBOX_ROOT / f"{kind}-{os.getpid()}-{secrets.token_hex(4)}"
    path.mkdir(mode=0o700)
    box = None
    shield_site_files()
    if boxes.enabled() and is_root():
        try:
            lease_account(path)
            box = boxes.Box.create(path, limits or boxes.Limits.from_env())
        except (boxes.BoxUnavailable, SandboxError) as exc:
            release_account(path)
            shutil.rmtree(path, ignore_errors=True)
            raise SandboxError(f"could not box the sandbox: {exc}") from None
    os.chmod(path, 0o711)
    sandbox = SandboxDir(path=path, kind=kind, box=box)
    sandbox.record()
    return sandbox


def kill_process(pid: int, grace: float = 2.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; quiet if it is already gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                return
        except ChildProcessError:  # not our child: poll for existence instead
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def remove_sandbox_dir(sandbox: SandboxDir) -> None:
    for pid in sandbox.pids:
        kill_process(pid)
    if sandbox.box is not None:
        sandbox.box.close()  # kills stragglers in the cgroups; the tmpfs goes with the mount
        sandbox.box = None
    shutil.rmtree(sandbox.path, ignore_errors=True)
    release_account(sandbox.path)  # last: nothing of the sandbox runs under it any more


@contextmanager
def sandbox_dir(kind: str) -> Iterator[SandboxDir]:
    """A sandbox directory that is removed, with its processes, on every exit path."""
    sandbox = make_sandbox_dir(kind)
    try:
        yield sandbox
    finally:
        remove_sandbox_dir(sandbox)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def list_sandboxes() -> list[dict]:
    """Every sandbox directory with its owner record and whether its owner still lives."""
    rows = []
    if not SANDBOX_ROOT.exists():
        return rows
    for path in sorted(SANDBOX_ROOT.iterdir()):
        if not path.is_dir():
            continue
        try:
            data = json.loads((path / OWNER_FILE).read_text())
        except (OSError, ValueError):
            data = {"owner_pid": None, "kind": "unknown", "pids": [], "ports": []}
        owner = data.get("owner_pid")
        # The folder's name carries its maker's pid too: a folder being made has no record
        # yet, and a reaper in a sibling worker must not take it for an orphan.
        maker = boxes.maker_pid(path.name)
        alive = bool(owner) and pid_alive(owner) or (maker is not None and pid_alive(maker))
        rows.append({**data, "path": str(path), "owner_alive": alive})
    return rows


def reap_orphans() -> list[str]:
    """Kill the processes and remove the directories of sandboxes whose owner died."""
    reaped, kept = [], set()
    for row in list_sandboxes():
        if row["owner_alive"] or row["owner_pid"] == os.getpid():
            kept.add(boxes.box_name(Path(row["path"])))
            continue
        if row.get("boxed") or os.path.ismount(row["path"]):
            # The cgroup says which processes are the sandbox's; the owner record sits where a
            # learner's shell could have rewritten it, so its pids are not trusted then.
            boxes.close_leftover(Path(row["path"]))
        else:
            for pid in row.get("pids", []):
                kill_process(pid)
        shutil.rmtree(row["path"], ignore_errors=True)
        reaped.append(row["path"])
    # Boxes whose folder is already gone are invisible above; their names say who made them.
    for name in sorted(boxes.existing_box_names() - kept):
        if (maker := boxes.maker_pid(name)) is not None and not pid_alive(maker):
            boxes.close_stray(name)
            reaped.append(name)
    return reaped
