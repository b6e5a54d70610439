"""Guide §12.3, string interning: one object per value for the strings Python looks up.

Prints the interning state of a few strings as ``pyhood.intern_state`` reads it from the two
``state.interned`` bits of each ``str`` ("not_interned", "mortal", "immortal", and on 3.12+
"static"), shows ``sys.intern`` keeping the first object of a value and handing it back for
every equal string, shows that the compiler interns the names a code object uses, and counts
the interned strings of the interpreter with ``pyhood.interned_count()`` (3.12+, where the
interned dict lives in the interpreter state; 3.10/3.11 keep it in a static variable no
extension can reach, and pyhood says so).

The checks (``[ok]`` / ``[MISMATCH]``) compare pyhood with what does not go through it: the
state word read with ctypes at its header offset (32), ``sys.intern`` identity,
``sys._is_interned`` (3.13+) and ``sys.getunicodeinternedsize()`` (3.12+). Runs in well
under a second.

The text lives in :func:`pyhood._tour.ch12.section_12_3`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_12_3_interning.py``
"""

from pyhood._tour import ch12


def main() -> None:
    ch12.section_12_3()


if __name__ == "__main__":
    main()
