"""Engine packages: one package per database server or tool a lab runs (``postgres``, ``redis``,
``mongo``, ...), each composed from the shared process core in ``labs.sandbox`` (sandbox
directories, boxes, ``ServerProcess``). Engines register in ``labs.sandbox.ENGINES``."""
