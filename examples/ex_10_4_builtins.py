"""Guide §10.4, memory layout of core built-ins.

Prints the structs behind int (sign and 30-bit digits, rebuilt into the value; ``lv_tag`` on
3.12+), bool (two singletons), float (``ob_fval``), str (ASCII, latin-1, UCS-2 and UCS-4 kinds
with their state bits, the cached hash and UTF-8 copy, interning), list (``allocated`` and
over-allocation while appending), tuple (items inside the object), set (small table inside
the object, large table in its own block, dummies) and dict (keys object with indices and
entries; combined and split tables).

The text lives in :func:`pyhood._tour.ch10.section_10_4`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_10_4_builtins.py``
"""

from pyhood._tour import ch10


def main() -> None:
    ch10.section_10_4()


if __name__ == "__main__":
    main()
