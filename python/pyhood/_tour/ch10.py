"""The tour of the guide's chapter 10 (§10.1–10.4, how objects are laid out in memory) on
live objects of the running interpreter.

One function per section prints what the section teaches: a few sentences of explanation,
the fields pyhood reads, and checks (``[ok]`` / ``[MISMATCH]``) that compare what pyhood
reports with something it does not compute (``id()``, ``len()``, ``sys.getsizeof``,
``sys.getrefcount``, the type's ``__basicsize__``). ``python -m pyhood tour`` runs them
all (:mod:`pyhood._tour`); the scripts in ``examples/`` each run one.

Addresses, reference counts and hashes differ from run to run; which lines are printed
depends only on the interpreter version.
"""

from __future__ import annotations

import gc
import itertools
import struct
import sys
import textwrap
import weakref
from collections.abc import Iterable
from typing import Any

import pyhood

from .narrate import check, grid, heading, say, show, sub

__all__ = ["section_10_1", "section_10_2", "section_10_3", "section_10_4"]

#: The running interpreter's (major, minor): layouts are chosen by it.
PY = sys.version_info[:2]


# --- reading fields -------------------------------------------------------------------------


def _hex(value: int) -> str:
    return f"{value:#x}"


def _named(fields: Iterable[Any], *names: str) -> list[Any]:
    wanted = set(names)
    return [f for f in fields if f.name in wanted]


def _index(name: str) -> int:
    """``values[3]`` -> 3."""
    return int(name[name.index("[") + 1 : name.index("]")])


def _attr(note: str | None) -> str:
    """A field note holding a key's text (``'"x"'``) -> ``x``."""
    return (note or "").strip('"')


# --- §10.1 ----------------------------------------------------------------------------------


def section_10_1() -> None:
    """§10.1 The Great Unification: the PyObject header every object shares."""
    heading("10.1", "The Great Unification: PyObject layout")
    say(
        """Every object CPython creates starts with the same header, the C struct PyObject:
        ob_refcnt (8 bytes at offset 0) counts the references to the object and ob_type
        (8 bytes at offset 8) points at its type object. Objects whose length varies
        (PyVarObject: tuple, list, bytes, and int before 3.12) add ob_size (8 bytes at offset
        16), the number of items. id(obj) is the address of that header, so C code can hold
        any object as a PyObject * and find its type, and with it every behaviour, in the
        same place."""
    )
    samples: list[tuple[str, Any]] = [
        ("2 ** 100", 2**100),
        ("3.25", float("3.25")),
        ("'text'", "".join(["te", "xt"])),
        ("b'raw'", bytes([114, 97, 119])),
        ("[1, 2, 3]", [1, 2, 3]),
        ("(1, 2)", tuple([1, 2])),
        ("{'k': 'v'}", {"k": "v"}),
        ("{1, 2}", {1, 2}),
        ("None", None),
        ("len", len),
        ("object()", object()),
    ]
    rows = []
    for expr, obj in samples:
        h = pyhood.header(obj)
        size = "-" if h.size is None else h.size
        rows.append((expr, h.type.__name__, _hex(h.address), _hex(h.type_address), size))
    grid(("object", "type", "id (header address)", "ob_type", "ob_size"), rows)
    headers = [pyhood.header(obj) for _, obj in samples]
    pairs = [(h, obj) for h, (_, obj) in zip(headers, samples, strict=True)]
    check(
        "header(obj).address == id(obj) for every object",
        all(h.address == id(obj) for h, obj in pairs),
    )
    check(
        "ob_type == id(type(obj)) for every object",
        all(h.type_address == id(type(obj)) for h, obj in pairs),
    )
    sized = [(h, obj) for h, obj in pairs if isinstance(obj, (tuple, list, bytes))]
    check(
        "ob_size == len(obj) for the tuple, the list and the bytes",
        all(h.size == len(obj) for h, obj in sized),
    )
    if PY >= (3, 12):
        print("  (int has no ob_size since 3.12: its long_value.lv_tag holds sign and length;")
        print("   str keeps its own length field. Both are shown in §10.4.)")
    else:
        print("  (str keeps its own length field instead of ob_size; see §10.4.)")
    print()

    say("The same first rows in pyhood.layout() of a float, a list and a dict:")
    for expr, obj in (samples[1], samples[4], samples[6]):
        print(f"  pyhood.layout({expr})")
        show(_named(pyhood.layout(obj).fields, "ob_refcnt", "ob_type", "ob_size"))

    lst = [1, 2, 3]
    raw = pyhood.peek(lst, 0, 24)
    words = [int.from_bytes(raw[i : i + 8], sys.byteorder, signed=True) for i in (0, 8, 16)]
    print(f"  pyhood.peek(lst, 0, 24) = {raw.hex(' ')}")
    print(f"  read as three {sys.byteorder}-endian words: {words[0]}, {_hex(words[1])}, {words[2]}")
    check(
        "the first word is ob_refcnt, as pyhood.refcnt(lst) reads it",
        words[0] == pyhood.refcnt(lst),
    )
    check("the second word is id(list), the type object", words[1] == id(list))
    check("the third word is len(lst)", words[2] == len(lst))
    print()

    sub("reference counts follow the names and containers that hold the object")
    say(
        """pyhood.refcnt(obj) reads ob_refcnt. Like sys.getrefcount it also counts the
        temporary reference held by the call's own argument, so a list held by one name
        reads 2."""
    )
    obj: Any = []
    counts = [(pyhood.refcnt(obj), sys.getrefcount(obj))]
    alias = obj
    counts.append((pyhood.refcnt(obj), sys.getrefcount(obj)))
    box = [obj]
    counts.append((pyhood.refcnt(obj), sys.getrefcount(obj)))
    del alias
    counts.append((pyhood.refcnt(obj), sys.getrefcount(obj)))
    box.clear()
    counts.append((pyhood.refcnt(obj), sys.getrefcount(obj)))
    labels = ("obj = []", "alias = obj", "box = [obj]", "del alias", "box.clear()")
    rows = [(label, a, b) for label, (a, b) in zip(labels, counts, strict=True)]
    grid(("after", "pyhood.refcnt(obj)", "sys.getrefcount(obj)"), rows)
    check("pyhood.refcnt agrees with sys.getrefcount at every step", all(a == b for a, b in counts))
    ups = [b[0] - a[0] for a, b in itertools.pairwise(counts)]
    check("each binding adds one and each unbinding removes one", ups == [1, 1, -1, -1])
    print()

    sub("immortal objects")
    none = pyhood.header(None)
    before = pyhood.refcnt(None)
    many = [None] * 1000
    after = pyhood.refcnt(None)
    del many
    if PY >= (3, 12):
        say(
            f"""Since 3.12 (PEP 683) some objects are immortal: None, True, False, small ints,
            interned strings and the static types carry a fixed reference count that
            Py_INCREF and Py_DECREF leave alone. None's ob_refcnt reads {none.refcnt}, and
            a list of 1000 Nones does not move it."""
        )
        check("header(None).immortal", none.immortal)
        check(f"refcnt(None) is {before} before and after [None] * 1000", before == after)
        check("a new list is not immortal", not pyhood.header([]).immortal)
    else:
        say(
            f"""Immortal objects arrived in 3.12 (PEP 683). On {PY[0]}.{PY[1]} None's count is
            an ordinary counter: {before} before [None] * 1000, {after} while that list
            lives."""
        )
        check("header(None).immortal is False before 3.12", not none.immortal)
        check("the list of 1000 Nones added 1000 references", after - before == 1000)
    print()
    if none.tid is not None:
        say(
            f"""This is a free-threaded build: the header also has ob_tid (the owning thread,
            {_hex(none.tid)} for None), ob_ref_local and ob_ref_shared (the split reference
            count) and ob_gc_bits."""
        )
    else:
        say(
            """This is a default (GIL) build. Free-threaded builds (3.13t) split the count into
            ob_ref_local and ob_ref_shared and add ob_tid and ob_gc_bits; header() reports
            them there."""
        )


# --- §10.2 ----------------------------------------------------------------------------------


def _instance_rows(lay: Any) -> tuple[list[Any], int]:
    """Fields of an instance, without its empty value slots; and how many were left out."""
    size = next((f.value for f in lay.fields if f.name == "size"), 0)
    shown, hidden = [], 0
    for f in lay.fields:
        empty_value = f.name.startswith("values[") and f.value == 0
        unused_order = f.name.startswith("order[") and _index(f.name) >= size
        # The prefix of a 3.11/3.12 values array keeps the insertion order in its last bytes.
        if empty_value or unused_order or f.region == "padding" or f.name == "prefix":
            hidden += 1
        else:
            shown.append(f)
    return shown, hidden


def _attribute_values(lay: Any) -> dict[str, int]:
    """Attribute name -> value pointer, from the values pyhood names by the shared keys."""
    fields = list(lay.fields) + [f for b in lay.blocks for f in b.fields]
    return {_attr(f.note): f.value for f in fields if f.name.startswith("values[") and f.note}


def section_10_2() -> None:
    """§10.2 Memory layout of user-defined classes: GC head, dict and weakref slots."""
    heading("10.2", "Memory layout of user-defined classes")

    class Point:
        def __init__(self, x: Any, y: Any) -> None:
            self.x = x
            self.y = y

    class Empty:
        pass

    p = Point(1.5, "two")
    lay = pyhood.layout(p)
    say(
        f"""An instance of a plain class, p = Point(1.5, 'two'). Its allocation runs from
        offset {lay.start} to {lay.end} around id(p): the fields before offset 0 belong to
        the same memory block but come before the PyObject header."""
    )
    rows, hidden = _instance_rows(lay)
    show(rows)
    for block in lay.blocks:
        block_rows, block_hidden = _instance_rows(block)
        print(f'    block "{block.name}" at {_hex(block.address)}: {block.size} bytes')
        show(block_rows)
        hidden += block_hidden
    if hidden:
        print(f"    ({hidden} empty value slots, padding and prefix bytes not shown)")
        print()

    say(
        """GC head: instances of user classes can take part in reference cycles, so a
        PyGC_Head (_gc_next and _gc_prev, at -16 and -8) links each one into the cyclic
        garbage collector's list of tracked objects."""
    )
    check("p is tracked by the collector (gc.is_tracked)", gc.is_tracked(p))
    check("_gc_next is a non-NULL link", lay.field("_gc_next").value != 0)
    print()

    dict_word = {(3, 10): "__dict__", (3, 11): "managed_dict", (3, 12): "dict_or_values"}
    dict_name = dict_word.get(PY, "managed_dict")
    weak_name = "__weakref__" if PY < (3, 12) else "managed_weakref"
    if PY < (3, 11):
        say(
            f"""3.10: __dict__ and __weakref__ are slots inside the object, at
            Point.__dictoffset__ = {Point.__dictoffset__} and Point.__weakrefoffset__ =
            {Point.__weakrefoffset__}. The first attribute store in __init__ created a real
            dict; it is a split-table dict whose keys are shared by all Point instances and
            whose values array holds this instance's attributes."""
        )
        d = p.__dict__
        check("the __dict__ slot holds id(p.__dict__)", lay.field("__dict__").value == id(d))
        values = _attribute_values(pyhood.layout(d))
    elif PY < (3, 13):
        values_at = "managed_values (-32)" if PY == (3, 11) else "dict_or_values (-24)"
        say(
            f"""{PY[0]}.{PY[1]}: the class has Py_TPFLAGS_MANAGED_DICT (its __dictoffset__,
            {Point.__dictoffset__}, no longer points into the object). The dict lives in a
            pre-header before the GC head, and until someone asks for p.__dict__ there is
            no dict at all: the attributes sit in a values array (block "values" above),
            named by the keys the class shares among its instances. The array is found
            through
            {values_at}."""
        )
        if PY == (3, 11):
            say(
                """__weakref__ is still a slot inside the object, at
                Point.__weakrefoffset__ = 16."""
            )
            check("managed_dict (-24) is NULL: no dict object", lay.field(dict_name).value == 0)
        else:
            tagged = lay.field("dict_or_values").value
            say(
                f"""3.12 also moves the weakref list into the pre-header (managed_weakref at -32,
                Py_TPFLAGS_MANAGED_WEAKREF) and folds dict and values into one word at -24:
                dict_or_values = {_hex(tagged)} is the values pointer minus one: an odd
                word marks values, an even one a dict."""
            )
            check("dict_or_values has the values tag (low bit 1)", tagged & 1 == 1)
            check(
                "dict_or_values + 1 is the values array's address",
                tagged + 1 == lay.block("values").address,
            )
        values = _attribute_values(lay)
    else:
        say(
            f"""3.13: the attribute values are embedded in the object itself
            (Py_TPFLAGS_INLINE_VALUES), right after the header at offset 16: capacity, size,
            embedded and valid bytes, then values[i] (named by the class's shared keys), then
            the insertion order bytes. The pre-header holds managed_weakref (-32) and
            managed_dict (-24), which stays NULL until p.__dict__ is asked for. capacity
            ({lay.field("capacity").value}) comes from the class's shared keys, not from the
            two attributes this instance has."""
        )
        check("managed_dict (-24) is NULL: no dict object", lay.field("managed_dict").value == 0)
        check("size == 2 attributes stored inline", lay.field("size").value == 2)
        values = _attribute_values(lay)
    for name in ("x", "y"):
        print(f"    {name}: {_hex(values.get(name, 0))}")
    check("the value named x is id(p.x) and y is id(p.y)", values == {"x": id(p.x), "y": id(p.y)})
    print()

    sub("a weak reference appears in the weakref slot")
    before = pyhood.layout(p).field(weak_name).value
    ref = weakref.ref(p)
    after = pyhood.layout(p).field(weak_name).value
    print(f"    {weak_name} before weakref.ref(p): {_hex(before)}")
    print(f"    {weak_name} after:                 {_hex(after)}   id(ref) = {_hex(id(ref))}")
    check(f"{weak_name} was NULL and now points at the weakref", before == 0 and after == id(ref))
    print()

    sub("looking does not create the __dict__")
    if PY < (3, 11):
        subject: Any = Empty()
        say(
            """3.10 creates the dict at the first attribute store, so take an instance of an
            empty class, whose __dict__ slot is still NULL."""
        )
    else:
        subject = Point(3, 4)
        say(
            f"""A fresh Point: its {dict_name} word (-24) before and after pyhood reads the
            object many times, then after Python code touches __dict__."""
        )
    first = pyhood.layout(subject).field(dict_name).value
    for _ in range(10):
        pyhood.layout(subject)
        pyhood.header(subject)
        pyhood.peek(subject)
    again = pyhood.layout(subject).field(dict_name).value
    d = subject.__dict__
    lay_after = pyhood.layout(subject)
    touched = lay_after.field(dict_name).value
    print(f"    {dict_name} before: {_hex(first)}")
    print(f"    after 10 x layout/header/peek: {_hex(again)}")
    print(f"    after subject.__dict__: {_hex(touched)}   id(subject.__dict__) = {_hex(id(d))}")
    check("pyhood's reads left the word unchanged", first == again)
    if PY == (3, 12):
        check("before, the word was a tagged values pointer, not a dict", first & 1 == 1)
    else:
        check("before, the word was NULL: no dict existed", first == 0)
    check("only Python's own __dict__ access put a dict there", touched == id(d))
    if PY >= (3, 13):
        ma_values = pyhood.layout(d).field("ma_values").value
        check(
            "3.13: the new dict borrows the inline values (ma_values == id(subject) + 16)",
            ma_values == id(subject) + lay_after.field("capacity").offset,
        )
    print()

    size = sys.getsizeof(p)
    owned = sum(b.size for b in lay.blocks)
    say(
        f"""Size: pyhood counts {lay.size} bytes for p's own allocation, offsets
        [{lay.start}, {lay.end}); sys.getsizeof(p) says {size}."""
        + (
            " getsizeof leaves the inline values out (cpython gh-128762)."
            if PY >= (3, 13)
            else f" The values array is a separate block of {owned} bytes."
            if owned
            else " The dict is a separate object."
        )
    )


# --- §10.3 ----------------------------------------------------------------------------------


def _footprint(obj: Any) -> list[tuple[str, int]]:
    """Bytes an instance owns: its allocation, its values array and (3.10) its dict."""
    lay = pyhood.layout(obj)
    parts = [("the object", lay.size)]
    parts += [(f'its "{b.name}" array', b.size) for b in lay.blocks]
    if PY < (3, 11) and hasattr(obj, "__dict__"):
        d = pyhood.layout(obj.__dict__)
        parts.append(("its __dict__ object", d.size))
        parts += [(f"the dict's {b.name}", b.size) for b in d.blocks if b.name != "ma_keys"]
    return parts


def section_10_3() -> None:
    """§10.3 Memory layout of slotted classes: members at fixed offsets, no dict."""
    heading("10.3", "Memory layout of slotted classes")

    class Plain:
        def __init__(self, x: Any, y: Any, z: Any) -> None:
            self.x, self.y, self.z = x, y, z

    class Slotted:
        __slots__ = ("x", "y", "z")

        def __init__(self, x: Any, y: Any, z: Any) -> None:
            self.x, self.y, self.z = x, y, z

    class Slotted4(Slotted):
        __slots__ = ("w",)

    class SlottedWeak:
        __slots__ = ("x", "y", "z", "__weakref__")  # noqa: RUF023 - read in this order

    s = Slotted(10, 20.5, "thirty")
    lay = pyhood.layout(s)
    say(
        """__slots__ = ("x", "y", "z") turns each attribute into a member: a PyObject * at a
        fixed offset after the header, reached through a descriptor on the class. The
        instance is the header plus a fixed-size array of three pointers:"""
    )
    print(lay)
    print()
    slots = [f for f in lay.fields if f.note == "member"]
    for f in slots:
        print(f"    {f.name} at offset {f.offset}: {_hex(f.value)}   id(s.{f.name}) = ", end="")
        print(_hex(id(getattr(s, f.name))))
    check(
        "each member holds id() of the attribute",
        all(f.value == id(getattr(s, f.name)) for f in slots),
    )
    check(
        "members x, y, z at offsets 16, 24, 32",
        [(f.name, f.offset) for f in slots] == [("x", 16), ("y", 24), ("z", 32)],
    )
    check(
        f"Slotted.__basicsize__ == 16 + 3 * 8 == {Slotted.__basicsize__}",
        Slotted.__basicsize__ == 40,
    )
    check("no __dict__ attribute", not hasattr(s, "__dict__"))
    check(
        "no pre-header, no __dict__ or __weakref__ field",
        not any(
            f.region == "preheader" or f.name in ("__dict__", "__weakref__") for f in lay.fields
        ),
    )
    try:
        weakref.ref(s)
        weak_refused = False
    except TypeError:
        weak_refused = True
    check("weakref.ref(s) raises TypeError: no __weakref__ slot", weak_refused)
    print()

    say(
        """A member that was never assigned holds NULL, which is how the descriptor knows to
        raise AttributeError. A subclass adds its own members after its base's, and
        "__weakref__" in __slots__ buys one more pointer slot for the weakref list."""
    )
    blank = Slotted.__new__(Slotted)
    show(_named(pyhood.layout(blank).fields, "x", "y", "z"))
    try:
        blank.x  # noqa: B018 - the attribute access is the demonstration
        unset = False
    except AttributeError:
        unset = True
    check("Slotted.__new__(Slotted) has NULL members and .x raises AttributeError", unset)
    four = pyhood.layout(Slotted4(1, 2, 3))
    check("Slotted4(Slotted) adds w at offset 40", four.field("w").offset == 40)
    weak = pyhood.layout(SlottedWeak())
    if PY >= (3, 12):
        check(
            "3.12+: a __weakref__ slot becomes a managed weakref in the pre-header (-32)",
            weak.field("managed_weakref").offset == SlottedWeak.__weakrefoffset__ == -32,
        )
    else:
        check(
            "SlottedWeak has __weakref__ at offset 40",
            weak.field("__weakref__").offset == SlottedWeak.__weakrefoffset__ == 40,
        )
    print()

    sub("bytes saved against the same class without __slots__")
    plain = Plain(10, 20.5, "thirty")
    plain_parts, slot_parts = _footprint(plain), _footprint(s)
    grid(
        ("instance", "owns", "bytes", "sys.getsizeof"),
        [
            ("Plain", what, n, sys.getsizeof(plain) if i == 0 else "")
            for i, (what, n) in enumerate(plain_parts)
        ]
        + [
            ("Slotted", what, n, sys.getsizeof(s) if i == 0 else "")
            for i, (what, n) in enumerate(slot_parts)
        ],
    )
    total_plain = sum(n for _, n in plain_parts)
    total_slot = sum(n for _, n in slot_parts)
    say(
        f"""Per instance: Plain {total_plain} bytes, Slotted {total_slot} bytes; __slots__
        saves {total_plain - total_slot} bytes ({total_plain / total_slot:.1f}x). The
        attribute names are not counted: Plain's keys are shared by all its instances
        (the class's cached keys), Slotted's live in the class as descriptors."""
    )
    if PY >= (3, 11):
        plain_lay = pyhood.layout(plain)
        slots_for = sum(
            1
            for f in list(plain_lay.fields) + [f for b in plain_lay.blocks for f in b.fields]
            if f.name.startswith("values[")
        )
        where = "inline values" if PY >= (3, 13) else "values array"
        say(
            f"""Plain's {where} are sized by the class's shared keys: room for {slots_for}
            attributes although the instance holds three."""
        )
    check("the slotted instance is the size sys.getsizeof reports", total_slot == sys.getsizeof(s))
    check("the slotted instance is smaller", total_slot < total_plain)
    print()


# --- §10.4 ----------------------------------------------------------------------------------


def _int_parts(lay: Any) -> tuple[int, list[int]]:
    """(sign, digits) of an int, from its layout."""
    if PY >= (3, 12):
        sign = {0: 1, 1: 0, 2: -1}[lay.field("long_value.lv_tag.sign").value]
        ndigits = lay.field("long_value.lv_tag.ndigits").value
        prefix = "long_value.ob_digit"
    else:
        ob_size = lay.field("ob_size").value
        sign, ndigits, prefix = (ob_size > 0) - (ob_size < 0), abs(ob_size), "ob_digit"
    return sign, [lay.field(f"{prefix}[{i}]").value for i in range(ndigits)]


def _ints() -> None:
    sub("int: a sign and base-2**30 digits")
    bits = sys.int_info.bits_per_digit
    if PY >= (3, 12):
        say(
            f"""An int stores its magnitude as an array of {bits}-bit digits, least
            significant first. Since 3.12 the header word after ob_type is
            long_value.lv_tag: bits 0-1 are the sign (0 positive, 1 zero, 2 negative),
            bit 2 is reserved and the rest is the number of digits."""
        )
    else:
        say(
            f"""An int is a PyVarObject: ob_size is the number of {bits}-bit digits, negated
            for negative numbers (0 for zero), and ob_digit holds the magnitude least
            significant digit first."""
        )
    rows, rebuilt_all = [], True
    for value in (0, 7, 2**30, -(10**20)):
        lay = pyhood.layout(value)
        sign, digits = _int_parts(lay)
        rebuilt = sign * sum(d << (bits * i) for i, d in enumerate(digits))
        rebuilt_all &= rebuilt == value
        rows.append((value, sign, digits, rebuilt, lay.size, sys.getsizeof(value)))
    grid(("value", "sign", "digits", "rebuilt", "bytes", "getsizeof"), rows)
    check("sign * sum(digit[i] << 30*i) rebuilds every value", rebuilt_all)
    print("    pyhood.layout(-(10 ** 20)), header and digits:")
    show(f for f in pyhood.layout(-(10**20)).fields if f.name != "ob_refcnt")


def _bools() -> None:
    sub("bool: two singletons with the int layout")
    say(
        """bool is a subclass of int with exactly two instances. True is an int object with
        one digit equal to 1, False one with no digits; every comparison or bool() call
        returns one of these two objects."""
    )
    for value in (True, False):
        print(f"    pyhood.layout({value})")
        show(pyhood.layout(value).fields)
    n = len("xy")
    check(
        "bool(n) is True and (n > 5) is False: comparisons return the two singletons",
        bool(n) is True and (n > 5) is False,
    )
    check("header(True).type is bool", pyhood.header(True).type is bool)
    if PY >= (3, 12):
        check("both are immortal", pyhood.header(True).immortal and pyhood.header(False).immortal)
    print()


def _floats() -> None:
    sub("float: one C double")
    x = 1 / 3
    lay = pyhood.layout(x)
    say(
        """A float is the header plus ob_fval, an IEEE 754 double. It holds no references to
        other objects, so it has no GC head: the allocation starts at offset 0."""
    )
    show(lay.fields)
    (unpacked,) = struct.unpack("d", pyhood.peek(x, 16, 8))
    check("ob_fval == 1 / 3", lay.field("ob_fval").value == x)
    check("the 8 raw bytes at offset 16 unpack to the same double", unpacked == x)
    check(f"layout size {lay.size} == sys.getsizeof(x)", lay.size == sys.getsizeof(x))
    print()


_INTERNED = {0: "no", 1: "yes (mortal)", 2: "yes (immortal)", 3: "yes (static)"}


def _strings() -> None:
    sub("str: compact strings, one to four bytes per character")
    say(
        """A str (PEP 393) stores each character in 1, 2 or 4 bytes, the smallest kind that
        fits its widest character, right after the header (a "compact" string). The state
        bit field records kind, ascii, compact and interned. Pure-ASCII strings use the
        shorter PyASCIIObject header; the others add utf8_length and a utf8 pointer to a
        cached UTF-8 copy."""
    )
    samples = {
        "ASCII": "".join(["hel", "lo"]),
        "latin-1": "".join(["caf", "é"]),
        "UCS-2": "".join(["€", "uro"]),
        "UCS-4": "".join(["🐍", "!"]),
    }
    rows, kinds = [], []
    for label, s in samples.items():
        lay = pyhood.layout(s)
        bit = {f.name[6:]: f.value for f in lay.fields if f.name.startswith("state.")}
        data = lay.field("data")
        kinds.append(bit["kind"])
        rows.append(
            (
                label,
                repr(s),
                len(s),
                bit["kind"],
                bit["ascii"],
                bit["compact"],
                data.offset,
                data.size,
                lay.size,
                sys.getsizeof(s),
            )
        )
    grid(
        (
            "",
            "text",
            "length",
            "kind",
            "ascii",
            "compact",
            "data at",
            "data bytes",
            "layout bytes",
            "getsizeof",
        ),
        rows,
    )
    check("kinds are 1, 1, 2, 4", kinds == [1, 1, 2, 4])
    at = [row[6] for row in rows]
    check(
        f"ASCII data at {at[0]} (after PyASCIIObject), the others at {at[1]} "
        "(after PyCompactUnicodeObject)",
        at[0] < at[1] == at[2] == at[3],
    )
    print()
    print('    pyhood.layout("café")')
    show(f for f in pyhood.layout(samples["latin-1"]).fields if f.region != "padding")

    s = "".join(["tour", "-", "hash"])
    h0 = pyhood.layout(s).field("hash").value
    h = hash(s)
    h1 = pyhood.layout(s).field("hash").value
    print(f"    hash field of a new str: {h0}; after hash(s): {h1}")
    check("the hash is computed on first use and cached in the object", h0 == -1 and h1 == h)

    latin = samples["latin-1"]
    u0 = pyhood.layout(latin).field("utf8").value
    compile(latin, "<tour>", "eval")  # asks for the UTF-8 text through PyUnicode_AsUTF8
    lay = pyhood.layout(latin)
    cached = lay.block("utf8").fields[0].value if lay.field("utf8").value else b""
    print(
        f"    utf8 of 'café' before: {_hex(u0)}; after compile(): {_hex(lay.field('utf8').value)}"
    )
    check(
        "the UTF-8 copy is made on demand and kept: 'café'.encode() + NUL",
        u0 == 0 and cached == latin.encode() + b"\0",
    )

    t = "".join(["tour", "-", "interned"])
    i0 = pyhood.layout(t).field("state.interned").value
    i1 = pyhood.layout(sys.intern(t)).field("state.interned").value
    print(
        f"    state.interned of a new str: {i0} ({_INTERNED[i0]}); after sys.intern: {i1} "
        f"({_INTERNED.get(i1, i1)})"
    )
    check("sys.intern sets the interned state", i0 == 0 and i1 != 0)
    print()


def _lists() -> None:
    sub("list: a pointer to a separate, over-allocated array")
    say(
        """A list object holds only ob_size, a pointer ob_item to an array of PyObject * and
        allocated, the array's capacity. Appending past the capacity grows it by about 1/8
        plus 6 (list_resize: (n + n // 8 + 6) & ~3), so most appends need no realloc."""
    )
    lst: list[int] = []
    growth: list[tuple[int, int]] = []
    for i in range(40):
        lst.append(i)
        allocated = pyhood.layout(lst).field("allocated").value
        if not growth or growth[-1][1] != allocated:
            growth.append((len(lst), allocated))
    print("    len -> allocated on append: " + ", ".join(f"{n} -> {a}" for n, a in growth))
    check(
        "each growth matches (n + (n >> 3) + 6) & ~3",
        all(a == (n + (n >> 3) + 6) & ~3 for n, a in growth),
    )
    small: list[int] = []
    for value in (10, 20, 30, 40, 50):
        small.append(value)
    lay = pyhood.layout(small)
    print()
    print("    five appends to small = []; pyhood.layout(small)")
    print(textwrap.indent(str(lay), "    "))
    print()
    items = lay.block("ob_item")
    spare = [f for f in items.fields if f.note and f.note.startswith("spare")]
    check(
        f"{len(spare)} spare slots == allocated - len",
        len(spare) == lay.field("allocated").value - len(small),
    )
    check(
        "sys.getsizeof(small) == list object + its item array",
        sys.getsizeof(small) == lay.size + items.size,
    )
    print()


def _tuples() -> None:
    sub("tuple: items inside the object")
    t = tuple([1, "two", 3.0])
    lay = pyhood.layout(t)
    say(
        """A tuple cannot grow, so its item pointers are part of the object itself, right
        after ob_size (3.14 puts a cached hash, ob_hash, in between): one allocation, no
        separate array."""
    )
    show(f for f in lay.fields if f.region != "gc_head")
    first = 32 if sys.version_info >= (3, 14) else 24
    check(
        f"ob_item[i] == id(t[i]) at offset {first} + 8 * i",
        all(
            lay.field(f"ob_item[{i}]").offset == first + 8 * i
            and lay.field(f"ob_item[{i}]").value == id(x)
            for i, x in enumerate(t)
        ),
    )
    check("no owned blocks", lay.blocks == ())
    check(f"layout size {lay.size} == sys.getsizeof(t)", lay.size == sys.getsizeof(t))
    print()


def _sets() -> None:
    sub("set: an open-addressing hash table of (key, hash) entries")
    say(
        """A set keeps fill (used + dummy entries), used (live keys), mask (table size - 1)
        and table, a pointer to its entries. Up to 5 keys fit in the 8-entry smalltable
        inside the object; larger sets point table at a separate block."""
    )
    small = {1, 2, 3}
    lay = pyhood.layout(small)
    show(_named(lay.fields, "fill", "used", "mask", "table"))
    inside = lay.field("smalltable[0].key").offset
    check(
        f"small set: table == id(small) + {inside}, the smalltable",
        lay.field("table").value == id(small) + inside and lay.blocks == (),
    )
    large = set(range(100))
    large.discard(5)
    lay = pyhood.layout(large)
    table = lay.block("table")
    taken = sum(1 for f in table.fields if f.name.endswith(".key") and f.value)
    show(_named(lay.fields, "fill", "used", "mask", "table"))
    print(f"    block table: {table.size} bytes = {lay.field('mask').value + 1} entries x 16")
    check("large set: table points at a separate block", table.address == lay.field("table").value)
    check("used == len(large) == 99", lay.field("used").value == len(large) == 99)
    check(
        "discard leaves a dummy: fill 100 == entries with a key", lay.field("fill").value == taken
    )
    check(
        "sys.getsizeof(large) == set object + its table",
        sys.getsizeof(large) == lay.size + table.size,
    )
    print()


def _keys_rows(keys: Any, used: int) -> list[Any]:
    """The keys object's header, its used indices and its first ``used`` entries."""
    rows = []
    for f in keys.fields:
        if f.region == "header":
            rows.append(f)
        elif f.name.startswith("dk_indices[") and f.value >= 0:
            rows.append(f)
        elif f.name.startswith("dk_entries[") and _index(f.name) < used:
            rows.append(f)
    return rows


def _dicts() -> None:
    sub("dict: a keys object with indices and entries")
    say(
        """A dict points at a keys object (ma_keys). It holds a small hash index (dk_indices:
        -1 empty, else a position in the entries) followed by the entries in insertion
        order, which is why dicts keep that order. A combined table keeps key and value in
        each entry and ma_values is NULL."""
    )
    if PY >= (3, 11):
        say(
            """Since 3.11 dk_kind says what the entries are: 0 general (hash, key, value),
            1 all-str keys (key, value: a str caches its own hash), 2 split."""
        )
    d = {"one": 1, "two": 2, "three": 3}
    lay = pyhood.layout(d)
    keys = lay.block("ma_keys")
    show(_named(lay.fields, "ma_used", "ma_keys", "ma_values"))
    print(f"    block ma_keys ({keys.size} bytes)")
    show(_keys_rows(keys, len(d)))
    names = [_attr(f.note) for f in keys.fields if f.name.endswith(".me_key")][: len(d)]
    used_indices = [f for f in keys.fields if f.name.startswith("dk_indices[") and f.value >= 0]
    check("combined: ma_values is NULL", lay.field("ma_values").value == 0)
    check("entries are in insertion order: one, two, three", names == list(d))
    check("one used index per key", sorted(f.value for f in used_indices) == [0, 1, 2])
    if PY >= (3, 11):
        general = pyhood.layout({1: "a"}).block("ma_keys")
        check("dk_kind is 1 (str keys) here", keys.field("dk_kind").value == 1)
        check(
            "{1: 'a'} has dk_kind 0 and entries with me_hash",
            general.field("dk_kind").value == 0
            and "dk_entries[0].me_hash" in [f.name for f in general.fields],
        )
    print()

    class Pair:
        def __init__(self) -> None:
            self.left, self.right = "L", "R"

    a, b = Pair(), Pair()
    da = a.__dict__
    lay = pyhood.layout(da)
    keys = lay.block("ma_keys")
    say(
        """An instance __dict__ is a split table: the keys object belongs to the class and is
        shared by every instance (its entries have no values), and each dict's own values
        live in ma_values."""
    )
    show(_named(lay.fields, "ma_used", "ma_keys", "ma_values"))
    vals = lay.block("ma_values")
    show(f for f in vals.fields if f.name.startswith("values[") and f.value)
    check("split: ma_values is not NULL", lay.field("ma_values").value != 0)
    check(
        "a.__dict__ and b.__dict__ share one keys object",
        pyhood.layout(b.__dict__).field("ma_keys").value == lay.field("ma_keys").value,
    )
    if PY >= (3, 11):
        check("dk_kind is 2 (split)", keys.field("dk_kind").value == 2)
    check(
        "the values named left and right are id(a.left) and id(a.right)",
        _attribute_values(lay) == {"left": id(a.left), "right": id(a.right)},
    )
    print()


def section_10_4() -> None:
    """§10.4 Memory layout of core built-ins: int, bool, float, str, list, tuple, set, dict."""
    heading("10.4", "Memory layout of core built-ins")
    say(
        """Each core type is a C struct that begins with the common header and adds the
        fields its job needs, laid out for speed and size."""
    )
    _ints()
    _bools()
    _floats()
    _strings()
    _lists()
    _tuples()
    _sets()
    _dicts()
