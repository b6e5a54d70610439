"""Guide §12.1, pymalloc: the arenas, pools and size classes of the running interpreter.

Prints pymalloc's geometry (1 MiB arenas, 16 KiB pools, 32 size classes 16 bytes apart), the
arenas it holds, one row per size class (all 32, with zeros for classes without pools, so the
output always has the same shape), where every byte of the arenas goes, which size class
serves a few everyday objects, and the class of a 53-byte ``bytes`` object filling up as
10 000 of them are made and emptying when they are freed.

The checks (``[ok]`` / ``[MISMATCH]``) compare ``pyhood.obmalloc_stats()`` with the text the
interpreter itself prints, ``sys._debugmallocstats()``, captured from file descriptor 2 the
way a user would have to (``os.dup2`` into a temporary file), and with the arithmetic of
``Objects/obmalloc.c``. Under ``PYTHONMALLOC=malloc`` there is no pymalloc to show, and the
script says so. Runs in well under a second.

The text lives in :func:`pyhood._tour.ch12.section_12_1`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_12_1_obmalloc.py``
"""

from pyhood._tour import ch12


def main() -> None:
    ch12.section_12_1()


if __name__ == "__main__":
    main()
