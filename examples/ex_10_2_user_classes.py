"""Guide §10.2, memory layout of user-defined classes.

Prints an instance of a plain class field by field: its GC head (``_gc_next``/``_gc_prev`` at
-16/-8); where ``__dict__`` and ``__weakref__`` live on this version (slots inside the object
on 3.10, a managed pre-header from 3.11, inline values named by attribute on 3.13); a weak
reference appearing in the weakref slot; and proof that inspecting the object did not create
its ``__dict__`` (only Python's own ``obj.__dict__`` access does).

The text lives in :func:`pyhood._tour.ch10.section_10_2`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_10_2_user_classes.py``
"""

from pyhood._tour import ch10


def main() -> None:
    ch10.section_10_2()


if __name__ == "__main__":
    main()
