"""The problems found in a scenario, each naming the file that set its key.

Example
-------
>>> from drawdown.scenario.problems import Problems
>>> found = Problems({("threat",): "base.toml"}, "s.toml")
>>> found.add(("threat", "attack_rate_after"), "out of range")
>>> found.add(("deadline",), "not a date")
>>> [(p.file, p.key) for p in found]
[('base.toml', 'threat.attack_rate_after'), ('s.toml', 'deadline')]
>>> found.at(("threat",)), found.at(("decision", "rule"))
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ..errors import Problem
from .keypath import format_key

__all__ = ["Problems"]


class Problems:
    """Every problem found so far, in the order found.

    Parameters
    ----------
    origin : Mapping
        Key-path tuple to the file that set it (from ``read_chain``).
    file : str
        The scenario's own file: named by problems of keys no file set.
    found : iterable of Problem, optional
        Problems found before (by the schema).
    """

    def __init__(self, origin: Mapping[tuple, str], file: str, found: Iterable[Problem] = ()) -> None:
        self.origin = origin
        self.file = file
        self.items: list[Problem] = list(found)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def file_of(self, path: tuple) -> str:
        """The file that set the key at ``path``, or the table above it that a file set."""
        while path:
            if path in self.origin:
                return self.origin[path]
            path = path[:-1]
        return self.file

    def add(self, path: tuple, message: str) -> None:
        """Report a problem at the key path ``path``."""
        path = tuple(path)
        self.items.append(Problem(self.file_of(path), format_key(path), message))

    def at(self, path: tuple) -> bool:
        """Whether a problem was already reported at ``path`` or inside it, or at a table above it."""
        key = format_key(path)
        for p in self.items:
            if p.key == key or p.key.startswith(key + ".") or p.key.startswith(key + "["):
                return True
            if p.key and (key.startswith(p.key + ".") or key.startswith(p.key + "[")):
                return True
        return False
