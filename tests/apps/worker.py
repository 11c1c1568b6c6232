"""A real broker and a real Celery worker process for the grading tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from labs.sandbox.base import free_port

ROOT = Path(__file__).resolve().parents[2]


class RedisBroker:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("test broker did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class CeleryWorker:
    """``celery worker`` in its own process group, so SIGKILL takes its pool children too."""

    def __init__(self, broker_url: str, db_path: str, curriculum: Path, log_path: Path, extra_env=None):
        self.log_path = log_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "apps.config.settings.test",
            "INDEXED_SQLITE_PATH": db_path,
            "INDEXED_CURRICULUM_DIR": str(curriculum),
            "CELERY_BROKER_URL": broker_url,
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> CeleryWorker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it open
        offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "apps.config",
                "worker",
                "--concurrency",
                "1",
                "--prefetch-multiplier",
                "1",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log_path.read_text()[-2000:]}")
            if b"ready." in self.log_path.read_bytes()[offset:]:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready in 30 s: {self.log_path.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as the OOM killer would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: pool children clean up
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
