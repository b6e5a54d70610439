"""Guide §12.5 — what keeps an object alive.

After a census diff has named the type that grew and handed out one of its new objects,
``pyhood.referrers(obj)`` names the chain of references that keeps it alive, from the module
that holds it: each link with how it holds the next (a module attribute ``.name``, a dict
entry ``['k']``, a list index ``[0]``, an instance attribute ``.name``).

The independent truths are the objects the tests build and keep in this module's ``_CACHE``
(their ``id()``), in the order the test nested them.
"""

from __future__ import annotations

import json
import sys

import pyhood
from conftest import PY


class Leak:
    pass


#: What this module keeps alive: the tests put their objects here.
_CACHE: dict = {}


def key(cls: type) -> str:
    """The type key pyhood counts instances of a class of this module under."""
    return f"{cls.__module__}.{cls.__qualname__}"


def test_referrers_name_the_chain_from_the_module():
    """An object kept in a module-level cache (``_CACHE["k"] = [leak]``) is kept by its
    module: the chain starts at this module, passes through the cache dict and then the
    list, and ends at the object; it prints from the module to the object."""
    leak = Leak()
    _CACHE["k"] = [leak]
    try:
        chain = pyhood.referrers(leak)
        assert chain.rooted is True
        links = chain.links
        assert (links[0].type, links[0].address) == ("module", id(sys.modules[__name__]))
        assert (links[-1].type, links[-1].address) == (key(Leak), id(leak))
        addresses = [link.address for link in links]
        assert addresses[-3:] == [id(_CACHE), id(_CACHE["k"]), id(leak)]
        assert [link.type for link in links[-3:-1]] == ["dict", "list"]
        text = str(chain)
        assert text.startswith(f"module '{__name__}'")
        assert text.endswith(f"{key(Leak)} at {id(leak):#x}")
        assert key(Leak) in chain._repr_html_()
        d = chain.to_dict()
        json.dumps(d)
        assert d["rooted"] is True
        assert [x["address"] for x in d["links"]] == addresses
        assert [x["via"] for x in d["links"]] == [link.via for link in links]
        assert [x["type"] for x in d["links"]] == [link.type for link in links]
    finally:
        _CACHE.clear()


class Holder:
    pass


def test_referrers_say_how_each_link_is_held():
    """Each link names how it holds the next: a module attribute is ``.name`` (the module
    and its dict are one link), a dict entry with a str key ``['k']``, a list index
    ``[0]``, an instance attribute kept in its values (3.11+, no ``__dict__`` made) ``.name``;
    the object itself holds nothing further (None). The text reads the same:
    ``module '<name>' ._CACHE → dict ['k'] → list [0] → <name>.Leak at 0x…``. (3.10 keeps
    attributes in a real dict, which may be a link of its own: only the ends are checked.)"""
    leak = Leak()
    holder = Holder()
    holder.item = leak
    _CACHE["k"] = [leak]
    try:
        chain = pyhood.referrers(leak)
        links = chain.links
        assert [link.address for link in links] == [
            id(sys.modules[__name__]),
            id(_CACHE),
            id(_CACHE["k"]),
            id(leak),
        ]
        assert [link.via for link in links] == ["._CACHE", "['k']", "[0]", None]
        assert str(chain) == (
            f"module '{__name__}' ._CACHE → dict ['k'] → list [0] → {key(Leak)} at {id(leak):#x}"
        )
        _CACHE.clear()
        _CACHE["h"] = holder
        links = pyhood.referrers(leak).links
        addresses = [link.address for link in links]
        assert addresses[-1] == id(leak) and id(holder) in addresses
        if PY >= (3, 11):
            assert addresses[-2:] == [id(holder), id(leak)]
            assert [link.via for link in links][-3:] == ["['h']", ".item", None]
    finally:
        _CACHE.clear()


def test_referrers_stop_at_depth():
    """Ten nested lists between the cache and the object: ``depth=3`` steps back do not
    reach the module (the chain is not rooted, and still ends at the object); ``depth=30``
    does, through the cache and every list in order."""
    leak = Leak()
    nest = [leak]
    lists = [nest]
    for _ in range(9):
        nest = [nest]
        lists.append(nest)
    _CACHE["deep"] = nest
    try:
        short = pyhood.referrers(leak, depth=3)
        assert short.rooted is False
        assert short.links[-1].address == id(leak)
        full = pyhood.referrers(leak, depth=30)
        assert full.rooted is True
        assert full.links[0].address == id(sys.modules[__name__])
        outer_first = [id(x) for x in reversed(lists)]
        assert [link.address for link in full.links][-12:] == [id(_CACHE), *outer_first, id(leak)]
        assert [link.via for link in full.links][-12:] == ["['deep']", *["[0]"] * 10, None]
    finally:
        _CACHE.clear()
