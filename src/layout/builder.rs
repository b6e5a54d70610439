//! Collects the fields of one allocation (an object or a block it owns) over a single
//! snapshot of its bytes (`Described`): plain Rust data, no Python object. `PyLayout`
//! (`mod.rs`) turns them into Python `Field`s only when they are asked for.
//!
//! The snapshot is a direct copy for the object's own allocation and the blocks it owns
//! (`raw::live`), and a fault-free read for anything else (`Builder::new`). It may cover
//! only the first part of the allocation: items past `max_items` are not read (`read_to`),
//! and their summary field has no bytes.

use std::borrow::Cow;

use crate::cpython::{Bits, Decode, FieldDef};
use crate::raw::live::Live;
use crate::raw::mem::{ReadError, Snapshot};

/// Where a field lives in the allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    GcHead,
    Preheader,
    Header,
    Body,
    InlineValues,
    Items,
    Data,
    Padding,
}

impl Region {
    pub fn as_str(self) -> &'static str {
        match self {
            Region::GcHead => "gc_head",
            Region::Preheader => "preheader",
            Region::Header => "header",
            Region::Body => "body",
            Region::InlineValues => "inline_values",
            Region::Items => "items",
            Region::Data => "data",
            Region::Padding => "padding",
        }
    }
}

/// A field's C name, formatted only when shown: most fields of a big array are never
/// asked for by name.
#[derive(Clone, Debug)]
pub enum FieldName {
    Text(Cow<'static, str>),
    /// `container.member`: a bit-field view.
    Member {
        container: &'static str,
        member: &'static str,
    },
    /// `array[index]`, or `array[index].member` for arrays of structs.
    Item {
        array: &'static str,
        index: usize,
        member: Option<&'static str>,
    },
}

impl FieldName {
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            FieldName::Text(t) => Cow::Borrowed(t.as_ref()),
            _ => Cow::Owned(self.to_string()),
        }
    }

    pub fn starts_with(&self, c: char) -> bool {
        match self {
            FieldName::Text(t) => t.starts_with(c),
            FieldName::Item { array, .. } => array.starts_with(c),
            FieldName::Member { container, .. } => container.starts_with(c),
        }
    }
}

impl std::fmt::Display for FieldName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldName::Text(t) => f.write_str(t),
            FieldName::Member { container, member } => write!(f, "{container}.{member}"),
            FieldName::Item {
                array,
                index,
                member: None,
            } => write!(f, "{array}[{index}]"),
            FieldName::Item {
                array,
                index,
                member: Some(m),
            } => write!(f, "{array}[{index}].{m}"),
        }
    }
}

impl PartialEq<str> for FieldName {
    fn eq(&self, other: &str) -> bool {
        match self {
            FieldName::Text(t) => t == other,
            FieldName::Member { container, member } => {
                other.len() == container.len() + 1 + member.len()
                    && other.starts_with(container)
                    && other.ends_with(member)
                    && other.as_bytes()[container.len()] == b'.'
            }
            FieldName::Item {
                array,
                index,
                member,
            } => {
                let Some(rest) = other.strip_prefix(array).and_then(|r| r.strip_prefix('[')) else {
                    return false;
                };
                let Some((digits, tail)) = rest.split_once(']') else {
                    return false;
                };
                let same_index = digits.parse::<usize>().ok() == Some(*index)
                    && !digits.starts_with('+')
                    && (digits == "0" || !digits.starts_with('0'));
                same_index
                    && match member {
                        None => tail.is_empty(),
                        Some(m) => tail.strip_prefix('.') == Some(m),
                    }
            }
        }
    }
}

impl PartialEq<&str> for FieldName {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl From<&'static str> for FieldName {
    fn from(s: &'static str) -> Self {
        FieldName::Text(Cow::Borrowed(s))
    }
}

impl From<String> for FieldName {
    fn from(s: String) -> Self {
        FieldName::Text(Cow::Owned(s))
    }
}

impl From<Cow<'static, str>> for FieldName {
    fn from(s: Cow<'static, str>) -> Self {
        FieldName::Text(s)
    }
}

/// A field before it becomes a Python object.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: FieldName,
    pub offset: isize,
    pub size: usize,
    pub ctype: &'static str,
    pub decode: Decode,
    pub region: Region,
    pub note: Option<String>,
}

/// Largest number of array elements given their own `Field`; the rest of the array is one
/// summary field so that every byte is still covered (a bound on work per call).
pub const DEFAULT_MAX_ITEMS: usize = 4096;

/// The bytes read of one allocation: one range, or a few when items past `max_items`
/// lie between the parts shown (a dict's keys object: indices, then entries).
#[derive(Clone, Debug)]
pub struct Pieces(Vec<Snapshot>);

impl Pieces {
    /// The bytes at `[addr, addr + len)`, if one range read covers them.
    pub fn slice(&self, addr: usize, len: usize) -> Option<&[u8]> {
        self.0.iter().find_map(|s| s.slice(addr, len))
    }

    pub fn uint(&self, addr: usize, len: usize) -> Option<u64> {
        self.0.iter().find_map(|s| s.uint(addr, len))
    }

    pub fn int(&self, addr: usize, len: usize) -> Option<i64> {
        self.0.iter().find_map(|s| s.int(addr, len))
    }
}

/// The note of a summary field whose bytes were not read.
pub const NOT_READ: &str = "not read: past max_items";

pub struct Builder {
    /// Address that offsets are relative to (`id(obj)` or the block's address).
    pub base: usize,
    pub start: isize,
    pub end: isize,
    pub snap: Pieces,
    pub fields: Vec<Spec>,
    pub blocks: Vec<Described>,
    pub max_items: usize,
    /// The live object whose allocation (or owned block) this is, for direct reads of what
    /// it owns and references; `None` for memory read fault-free.
    pub live: Option<Live>,
    /// Whether fields are kept: `footprint` describes blocks without them (`add` then
    /// writes into `scratch`, which nothing reads).
    pub record: bool,
    scratch: Spec,
}

impl Builder {
    fn with(base: usize, start: isize, end: isize, snap: Snapshot, max_items: usize) -> Self {
        Self {
            base,
            start,
            end,
            snap: Pieces(vec![snap]),
            fields: Vec::new(),
            blocks: Vec::new(),
            max_items,
            live: None,
            record: true,
            scratch: gap(0, 0, false),
        }
    }

    /// Snapshot `[base + start, base + end)` through the fault-free path.
    pub fn new(base: usize, start: isize, end: isize, max_items: usize) -> Result<Self, ReadError> {
        let from = base.wrapping_add_signed(start);
        let len = (end - start).max(0) as usize;
        let snap = Snapshot::take(from, len)?;
        Ok(Self::with(base, start, end, snap, max_items))
    }

    /// The live object's own allocation, read directly up to `read_to` (its whole extent
    /// when `read_to` is at or past its end).
    pub fn object(
        live: Live,
        start: isize,
        end: isize,
        read_to: isize,
        max_items: usize,
    ) -> Result<Self, ReadError> {
        let snap = live.snapshot(start, read_to.min(end))?;
        let mut b = Self::with(live.address(), start, end, snap, max_items);
        b.live = Some(live);
        Ok(b)
    }

    /// A block of `[base + start, base + end)` that the live object of `self` owns through
    /// a pointer of its own struct, read directly up to `read_to`; fault-free when `self`
    /// was itself read fault-free.
    pub fn owned(
        &self,
        base: usize,
        start: isize,
        end: isize,
        read_to: isize,
    ) -> Result<Self, ReadError> {
        let Some(live) = self.live else {
            let to = read_to.clamp(start, end);
            let mut b = Self::new(base, start, to, self.max_items)?;
            b.end = end;
            return Ok(b);
        };
        let from = base.wrapping_add_signed(start);
        let len = (read_to.clamp(start, end) - start) as usize;
        let snap = live.owned(from, len)?;
        let mut b = Self::with(base, start, end, snap, self.max_items);
        b.live = Some(live);
        b.record = self.record;
        Ok(b)
    }

    /// Also read `[offset, offset + len)` of this allocation (clamped to it), in the same
    /// way as the first range: a later part of an owned block whose middle is not shown.
    pub fn read_also(&mut self, offset: isize, len: usize) -> Result<(), ReadError> {
        let from = offset.clamp(self.start, self.end);
        let to = (offset + len as isize).clamp(from, self.end);
        if to == from {
            return Ok(());
        }
        let addr = self.base.wrapping_add_signed(from);
        let n = (to - from) as usize;
        let snap = match self.live {
            Some(live) => live.owned(addr, n)?,
            None => Snapshot::take(addr, n)?,
        };
        self.snap.0.push(snap);
        Ok(())
    }

    /// Offset one past the last element of an array at `offset` of `count` elements of
    /// `elem` bytes that `add_array` shows (the first `max_items`): where a snapshot of it
    /// may stop.
    pub fn shown_end(&self, offset: isize, count: usize, elem: usize) -> isize {
        offset + (count.min(self.max_items) * elem) as isize
    }

    fn addr(&self, offset: isize) -> usize {
        self.base.wrapping_add_signed(offset)
    }

    pub fn uint(&self, offset: isize, len: usize) -> u64 {
        self.snap.uint(self.addr(offset), len).unwrap_or(0)
    }

    pub fn int(&self, offset: isize, len: usize) -> i64 {
        self.snap.int(self.addr(offset), len).unwrap_or(0)
    }

    pub fn word(&self, offset: isize) -> usize {
        self.uint(offset, 8) as usize
    }

    pub fn covers(&self, offset: isize, size: usize) -> bool {
        offset >= self.start && offset + size as isize <= self.end
    }

    pub fn add(
        &mut self,
        name: impl Into<FieldName>,
        offset: isize,
        size: usize,
        ctype: &'static str,
        decode: Decode,
        region: Region,
    ) -> &mut Spec {
        if !self.record {
            return &mut self.scratch;
        }
        self.fields.push(Spec {
            name: name.into(),
            offset,
            size,
            ctype,
            decode,
            region,
            note: None,
        });
        self.fields.last_mut().expect("just pushed")
    }

    /// Add a statically known field of a struct that starts at `at`.
    pub fn add_def(&mut self, d: &FieldDef, at: isize, region: Region) -> &mut Spec {
        self.add(
            d.name,
            at + d.offset as isize,
            d.size,
            d.ctype,
            d.decode,
            region,
        )
    }

    pub fn add_defs(&mut self, defs: &[FieldDef], at: isize, region: Region) {
        for d in defs {
            self.add_def(d, at, region);
        }
    }

    /// Add a bit-field view of the container field at `offset`.
    pub fn add_bits(
        &mut self,
        container: &'static str,
        bits: Bits,
        offset: isize,
        size: usize,
        ctype: &'static str,
        region: Region,
    ) {
        for &(name, shift, width) in bits {
            let decode = if width == 1 {
                Decode::Flag { shift }
            } else {
                Decode::Bits { shift, width }
            };
            self.add(
                FieldName::Member {
                    container,
                    member: name,
                },
                offset,
                size,
                ctype,
                decode,
                region,
            );
        }
    }

    /// An array of `count` equal elements named `name[i]`; past `max_items` the remainder
    /// becomes one field `name[k..count]`.
    #[allow(clippy::too_many_arguments)]
    pub fn add_array(
        &mut self,
        name: &'static str,
        offset: isize,
        count: usize,
        elem: usize,
        ctype: &'static str,
        decode: Decode,
        region: Region,
    ) {
        if !self.record {
            return;
        }
        let shown = count.min(self.max_items);
        self.fields.reserve(shown + 1);
        for i in 0..shown {
            self.add(
                FieldName::Item {
                    array: name,
                    index: i,
                    member: None,
                },
                offset + (i * elem) as isize,
                elem,
                ctype,
                decode,
                region,
            );
        }
        if shown < count {
            let rest = (count - shown) * elem;
            self.add_rest(
                format!("{name}[{shown}..{count}]"),
                offset + (shown * elem) as isize,
                rest,
                ctype,
                region,
            );
        }
    }

    /// The summary field of array elements past `max_items`: its bytes, if the snapshot
    /// holds them, else none (noted `NOT_READ`).
    pub fn add_rest(
        &mut self,
        name: String,
        offset: isize,
        size: usize,
        ctype: &'static str,
        region: Region,
    ) {
        if !self.record {
            return;
        }
        let read = self
            .snap
            .slice(self.base.wrapping_add_signed(offset), size)
            .is_some();
        let f = self.add(name, offset, size, ctype, Decode::Bytes, region);
        if !read {
            f.note = Some(NOT_READ.into());
        }
    }

    /// Sort fields by address and fill every uncovered byte range.
    pub fn finish(
        mut self,
        name: Option<String>,
        type_name: String,
        basicsize: isize,
        itemsize: isize,
    ) -> Described {
        // Keep only fields inside the allocation; bit-field views sort after their container.
        let (start, end) = (self.start, self.end);
        self.fields
            .retain(|f| f.offset >= start && f.offset + f.size as isize <= end);
        // Where two fields claim the same bytes, the one added later wins: type-specific
        // decoders run after the generic slot finder and know the C name.
        // Decoders mostly add fields in address order: then nothing needs sorting (two
        // fields at one offset, views aside, always go through the sort).
        let in_order = self.fields.windows(2).all(|w| {
            let (a, b) = ((w[0].offset, is_view(&w[0])), (w[1].offset, is_view(&w[1])));
            a < b || (a == b && is_view(&w[1]))
        });
        if !in_order {
            let mut indexed: Vec<(usize, Spec)> = self.fields.drain(..).enumerate().collect();
            indexed.sort_by_key(|(i, f)| {
                (
                    f.offset,
                    is_view(f),
                    if is_view(f) { *i } else { usize::MAX - i },
                )
            });
            self.fields = indexed.into_iter().map(|(_, f)| f).collect();
        }
        // Fields that already tile the allocation (a struct's declared fields, an array's
        // elements) are kept as they are: nothing to fill, nothing to move.
        let mut cursor = start;
        let tiles = self.fields.iter().all(|f| {
            if is_view(f) {
                return true;
            }
            let ok = f.offset == cursor;
            cursor = f.offset + f.size as isize;
            ok
        }) && cursor == end;
        let specs = if tiles {
            std::mem::take(&mut self.fields)
        } else {
            let mut filled: Vec<Spec> = Vec::with_capacity(self.fields.len() + 4);
            let mut cursor = start;
            let mut prev_declared = false;
            for f in std::mem::take(&mut self.fields) {
                if is_view(&f) {
                    filled.push(f); // a bit-field view of the container just pushed
                    continue;
                }
                if f.offset < cursor {
                    continue; // overlaps a field already placed
                }
                if f.offset > cursor {
                    let proven = prev_declared && declared(&f) && aligned_for(&f);
                    filled.push(gap(cursor, f.offset, proven));
                }
                cursor = f.offset + f.size as isize;
                prev_declared = declared(&f);
                filled.push(f);
            }
            if cursor < end {
                // The struct's tail up to a word boundary, after a field pyhood declares.
                let proven = prev_declared && end - cursor < 8 && end % 8 == 0;
                filled.push(gap(cursor, end, proven));
            }
            filled
        };
        Described {
            name,
            address: self.base,
            type_name,
            basicsize,
            itemsize,
            start: self.start,
            end: self.end,
            specs,
            snap: self.snap,
            blocks: self.blocks,
        }
    }
}

/// One allocation, described: its fields over the bytes read, and the blocks it owns.
/// Plain Rust data: `footprint` reads it as it is, `layout` wraps it in a `PyLayout`.
#[derive(Clone)]
pub struct Described {
    pub name: Option<String>,
    pub address: usize,
    pub type_name: String,
    pub basicsize: isize,
    pub itemsize: isize,
    pub start: isize,
    pub end: isize,
    pub specs: Vec<Spec>,
    pub snap: Pieces,
    pub blocks: Vec<Described>,
}

impl Described {
    /// The bytes of a field, as read (empty for a summary field that was not read).
    pub fn raw(&self, f: &Spec) -> &[u8] {
        self.snap
            .slice(self.address.wrapping_add_signed(f.offset), f.size)
            .unwrap_or(&[])
    }

    /// The integer at a statically known field of the allocation's struct, if it was read
    /// (whether or not its fields were kept).
    pub fn int_at(&self, d: &FieldDef) -> Option<i64> {
        let at = self.address.checked_add(d.offset)?;
        match d.decode {
            Decode::Signed => self.snap.int(at, d.size),
            _ => self.snap.uint(at, d.size).map(|v| v as i64),
        }
    }
}

fn is_view(f: &Spec) -> bool {
    matches!(f.decode, Decode::Bits { .. } | Decode::Flag { .. })
}

/// Whether a field comes from a struct pyhood declares (not from the type's `tp_members`,
/// which name some fields of a struct pyhood does not know, and not a gap).
fn declared(f: &Spec) -> bool {
    f.note.as_deref() != Some("member") && !f.name.starts_with('(')
}

/// Whether a field sits at its natural alignment (its size, up to a word).
fn aligned_for(f: &Spec) -> bool {
    let align = (f.size as isize).clamp(1, 8);
    f.size.is_power_of_two() && f.offset % align == 0
}

/// Bytes no field names. They are padding only when alignment proves it (`proven`: fewer
/// than eight bytes between two fields pyhood declares, the later one at its natural
/// alignment, or up to the word boundary that ends a declared struct); anything else is
/// memory CPython uses but pyhood does not name (private fields of a C type, or fields
/// of a struct pyhood has no declaration for).
fn gap(from: isize, to: isize, proven: bool) -> Spec {
    let size = (to - from) as usize;
    let padding = proven && size < 8;
    Spec {
        name: FieldName::from(if padding { "(padding)" } else { "(unnamed)" }),
        offset: from,
        size,
        ctype: if padding { "padding" } else { "char[]" },
        decode: Decode::Bytes,
        region: if padding {
            Region::Padding
        } else {
            Region::Body
        },
        note: None,
    }
}

/// A little-endian integer of up to 8 bytes.
pub fn le(raw: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = raw.len().min(8);
    b[..n].copy_from_slice(&raw[..n]);
    u64::from_le_bytes(b)
}

pub use crate::errors::read_err;

#[cfg(test)]
mod tests {
    use super::FieldName;

    #[test]
    fn field_names_read_and_compare_as_their_c_names() {
        let item = FieldName::Item {
            array: "dk_entries",
            index: 12,
            member: Some("me_key"),
        };
        assert_eq!(item.to_string(), "dk_entries[12].me_key");
        assert!(item == "dk_entries[12].me_key");
        for other in [
            "dk_entries[12]",
            "dk_entries[012].me_key",
            "dk_entries[+12].me_key",
            "dk_entries[12].me_value",
            "dk_entries[1].me_key",
            "dk_entrie[12].me_key",
        ] {
            assert!(item != other, "{other}");
        }
        let plain = FieldName::Item {
            array: "ob_item",
            index: 0,
            member: None,
        };
        assert!(plain == "ob_item[0]" && plain != "ob_item[0].x" && plain != "ob_item[00]");
        let bits = FieldName::Member {
            container: "state",
            member: "kind",
        };
        assert!(bits == "state.kind" && bits != "state_kind" && bits != "state.kinds");
        let text = FieldName::from("ob_type");
        assert!(text == "ob_type" && text != "ob_typ");
    }
}
