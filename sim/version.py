"""The package's version (one place: the build, ``--version`` and every result read it)."""

__version__ = "0.1.0"
