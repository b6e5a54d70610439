"""Guide §10.1, the Great Unification: the PyObject header every object shares.

Prints, for objects of eleven types, the header pyhood reads (``ob_refcnt``, ``ob_type`` =
``id(type(obj))``, ``ob_size`` where the object is a PyVarObject), the same first rows of
``pyhood.layout()`` for a float, a list and a dict, the raw header bytes from
``pyhood.peek()``, the reference count rising and falling as names and containers bind and
unbind (next to ``sys.getrefcount``), and immortal objects (3.12+).

The text lives in :func:`pyhood._tour.ch10.section_10_1`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_10_1_pyobject.py``
"""

from pyhood._tour import ch10


def main() -> None:
    ch10.section_10_1()


if __name__ == "__main__":
    main()
