"""Guide §12.2, small object optimisations: free lists.

Prints each free list's limit, shows 30 dead floats landing on the float free list and the
next float reusing the block freed last, and dead lists landing on the list free list.

The text lives in :func:`pyhood._tour.ch12.section_12_2`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_12_2_freelists.py``
"""

from pyhood._tour import ch12


def main() -> None:
    ch12.section_12_2()


if __name__ == "__main__":
    main()
