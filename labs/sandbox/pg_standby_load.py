"""Moved to ``labs.engines.postgres.standby_load``. This name stays importable for old callers: it is
the same module object (not a copy of its names), so setting an attribute through either name,
as a test's monkeypatch does, changes what the engine reads."""

import sys

from labs.engines.postgres import standby_load as _moved

sys.modules[__name__] = _moved
