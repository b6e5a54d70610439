"""Guide §10.3, memory layout of slotted classes.

Prints a ``__slots__`` instance: each slot a ``PyObject *`` member at a fixed offset after the
header, no ``__dict__`` and no weakref slot, NULL members for unset attributes, a subclass's
members following its base's, and the bytes saved against the same class without
``__slots__`` (pyhood's allocation sizes next to ``sys.getsizeof``).

The text lives in :func:`pyhood._tour.ch10.section_10_3`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_10_3_slots.py``
"""

from pyhood._tour import ch10


def main() -> None:
    ch10.section_10_3()


if __name__ == "__main__":
    main()
