"""The site's own backups, as the course teaches them: the production profile archives its WAL,
scripts/site-backup.sh takes a base backup, and scripts/site-restore.sh brings the site
database back in a new directory, either whole (everything the archive has, including what
was written after the base backup) or to a moment before a mistake."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.deploy.test_scale_out import Site, assert_gone
from tests.deploy.test_serve import ROOT, Profile, free_port

pytestmark = pytest.mark.slow
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SANDBOX_ROOT = f"/dev/shm/indexed-scale-backup-{os.getpid()}"


def usernames(profile: Profile) -> set[str]:
    out = profile.manage("shell", "-c", "from apps.accounts.models import User; "
                         "print('users=' + ','.join(User.objects.values_list('username', flat=True)))")
    line = next(line for line in out.splitlines() if line.startswith("users="))
    return set(line.removeprefix("users=").split(","))


def add_user(profile: Profile, name: str) -> None:
    profile.manage("shell", "-c", f"from apps.accounts.models import User; User.objects.create_user('{name}')")


def script(name: str, profile: Profile, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / name), *args], cwd=ROOT, env=profile.env, capture_output=True,
                          text=True, timeout=600)


def users_in(data_dir: Path, password: str) -> set[str]:
    """Start a restored data directory on a private socket, read the site's users, stop it."""
    run_dir = data_dir.parent / "check-run"
    run_dir.mkdir(mode=0o700)
    shutil.chown(run_dir, "indexed-site", "indexed-site")
    as_site = ["setpriv", "--reuid=indexed-site", "--regid=indexed-site", "--clear-groups", "--"]
    log = data_dir.parent / "check.log"
    options = f"-c listen_addresses='' -k {run_dir} -c archive_mode=off"
    pg_ctl = [*as_site, str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-w"]
    subprocess.run([*pg_ctl, "-l", str(log), "-o", options, "start"], check=True, capture_output=True)
    try:
        with psycopg.connect(host=str(run_dir), dbname="indexed", user="indexed", password=password) as conn:
            return {row[0] for row in conn.execute("SELECT username FROM accounts_user")}
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], capture_output=True)


@pytest.fixture
def base():
    path = Path(tempfile.mkdtemp(prefix="indexed-scale-backup-", dir="/var/tmp"))
    path.chmod(0o755)  # the site database's own OS account must reach its directories
    yield path
    shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(SANDBOX_ROOT, ignore_errors=True)  # the profile's workers' template cache


def test_base_backup_and_wal_restore_the_site_whole_or_to_a_moment(base):
    backups = base / "backups"
    profile = Profile(base, free_port())
    profile.env.update(INDEXED_SITE_BACKUP_DIR=str(backups), INDEXED_SITE_DB_PORT=str(free_port()),
                       INDEXED_SANDBOX_ROOT=SANDBOX_ROOT)
    try:
        profile.start()
        add_user(profile, "before-backup")
        done = script("site-backup.sh", profile)
        assert done.returncode == 0, done.stdout + done.stderr
        (stamp,) = os.listdir(backups / "base")
        assert (backups / "base" / stamp / "base.tar.gz").stat().st_size > 0
        assert (backups / "wal").stat().st_mode & 0o077 == 0  # the archive is the site's alone

        add_user(profile, "after-backup")  # only in the WAL archive, not in the base backup
        site = Site(profile)
        (moment,) = site.rows("SELECT now()")[0]
        time.sleep(1.5)
        # The "mistake" after that moment: a learner deleted, another added.
        profile.manage("shell", "-c", "from apps.accounts.models import User; "
                       "User.objects.filter(username='before-backup').delete()")
        add_user(profile, "after-moment")
    finally:
        profile.stop()  # a clean stop sends the last WAL segment to the archive
    password = (base / "var" / "site-db.password").read_text().strip()

    # To the moment before the mistake: the deleted learner is back, the later one not there.
    target = ["--to", str(base / "restored-moment"), "--target-time", moment.isoformat()]
    done = script("site-restore.sh", profile, *target)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recovery stopping before commit" in done.stdout, done.stdout
    found = users_in(base / "restored-moment" / "data", password)
    assert {"before-backup", "after-backup"} <= found and "after-moment" not in found, found

    # Everything the archive has, and the whole profile started on the restored directory.
    done = script("site-restore.sh", profile, "--to", str(base / "restored"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert script("site-restore.sh", profile, "--to", str(base / "restored")).returncode != 0  # never over a restore
    profile.env["INDEXED_SITE_DB_DIR"] = str(base / "restored")
    profile.start()
    try:
        found = usernames(profile)
        assert {"after-backup", "after-moment"} <= found and "before-backup" not in found, found
        # Retention: a new base backup with --keep 1 removes the old one and the WAL only it needed.
        done = script("site-backup.sh", profile, "--keep", "1")
        assert done.returncode == 0, done.stdout + done.stderr
        (newest,) = os.listdir(backups / "base")
        assert newest != stamp
        start = (backups / "base" / newest / "start_wal").read_text().strip()
        segments = [name for name in os.listdir(backups / "wal") if len(name) == 24]
        assert segments and all(name[8:] >= start[8:] for name in segments), (start, sorted(segments))
    finally:
        profile.stop()
    assert_gone(profile)
