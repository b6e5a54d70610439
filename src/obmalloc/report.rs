//! The parser of pymalloc's report (guide §12.1): the text `_PyObject_DebugMallocStats`
//! writes (what `sys._debugmallocstats()` prints) read into figures and size-class rows,
//! in pure Rust.
//!
//! The parser knows the exact shape of that report (identical on 3.10–3.15) and refuses
//! (`ParseError`, raised as `pyhood.LayoutError` or `pyhood.AllocatorError` by the caller)
//! any text that does not have it, rather than return a number it is not sure of. It also
//! re-checks the sums the C code computes (bytes per size class, the arena total), so a
//! misread column cannot go unnoticed.
//!
//! Tests: the unit tests below, and `tests/test_12_1_obmalloc.py` (live reports, and
//! damaged ones through `_obmalloc_stats_from_text`).

use super::PySizeClass;

/// Every figure of the report except the size-class table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub arena_size: u64,
    pub pool_size: u64,
    pub alignment: u64,
    pub small_request_threshold: u64,
    pub num_size_classes: u64,
    pub arenas_allocated_total: u64,
    pub arenas_reclaimed: u64,
    pub arenas_highwater: u64,
    pub arenas_in_use: u64,
    pub bytes_in_allocated_blocks: u64,
    pub bytes_in_available_blocks: u64,
    pub unused_pools: u64,
    pub unused_pools_bytes: u64,
    pub pool_headers_bytes: u64,
    pub quantization_bytes: u64,
    pub arena_alignment_bytes: u64,
    pub total: u64,
    pub malloc_calls: Option<u64>,
    pub arena_map_mid_nodes: Option<u64>,
    pub arena_map_bot_nodes: Option<u64>,
    pub arena_map_root_bytes: Option<u64>,
    pub arena_map_mid_bytes: Option<u64>,
    pub arena_map_bot_bytes: Option<u64>,
    pub arena_map_bytes: Option<u64>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub figures: Figures,
    pub classes: Vec<PySizeClass>,
}

/// Why a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The report is another allocator's (mimalloc prints its own, different statistics).
    NotPymalloc(&'static str),
    /// The text does not have the shape of pymalloc's report.
    Format(String),
}

fn bad(msg: impl Into<String>) -> ParseError {
    ParseError::Format(msg.into())
}

/// `"1,358,992"` → 1358992; digits and commas only.
fn number(text: &str) -> Result<u64, ParseError> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return Err(bad(format!("{t:?} is not a number")));
    }
    t.replace(',', "")
        .parse()
        .map_err(|_| bad(format!("{t:?} does not fit in 64 bits")))
}

/// `"<n> <middle> <s> <suffix>"` such as `"2 arenas * 1048576 bytes/arena"` → (n, s).
fn product(label: &str, middle: &str, suffix: &str) -> Option<(u64, u64)> {
    let (n, rest) = label.split_once(' ')?;
    let rest = rest.strip_prefix(middle)?.strip_prefix(' ')?;
    let (s, rest) = rest.split_once(' ')?;
    if rest != suffix {
        return None;
    }
    Some((number(n).ok()?, number(s).ok()?))
}

/// Set a figure once; a second line with the same label is an error.
fn put(slot: &mut Option<u64>, value: u64, label: &str) -> Result<(), ParseError> {
    if slot.replace(value).is_some() {
        return Err(bad(format!("the line {label:?} appears twice")));
    }
    Ok(())
}

fn need(slot: Option<u64>, label: &str) -> Result<u64, ParseError> {
    slot.ok_or_else(|| bad(format!("no line {label:?}")))
}

/// The labels of the main section, in the order the C code prints them.
const ARENAS_TOTAL: &str = "# arenas allocated total";
const ARENAS_RECLAIMED: &str = "# arenas reclaimed";
const ARENAS_HIGHWATER: &str = "# arenas highwater mark";
const ARENAS_CURRENT: &str = "# arenas allocated current";
const ALLOCATED: &str = "# bytes in allocated blocks";
const AVAILABLE: &str = "# bytes in available blocks";
const POOL_HEADERS: &str = "# bytes lost to pool headers";
const QUANTIZATION: &str = "# bytes lost to quantization";
const ARENA_ALIGNMENT: &str = "# bytes lost to arena alignment";
const MALLOC_CALLS: &str = "# times object malloc called";
const TOTAL: &str = "Total";
const TABLE_HEADER: &str = "class size num pools blocks in use avail blocks";
const MAP_HEADING: &str = "arena map counts";

/// Parse the text `_PyObject_DebugMallocStats` writes (Objects/obmalloc.c, 3.10–3.15).
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut lines = text.lines().map(str::trim_end);
    // mimalloc (3.13+) prints a report of its own under the same function.
    if text
        .lines()
        .any(|l| l.starts_with("Medium block threshold"))
    {
        return Err(ParseError::NotPymalloc(
            "the report is mimalloc's, not pymalloc's",
        ));
    }

    // "Small block threshold = 512, in 32 size classes."
    let first = lines.next().unwrap_or_default();
    let (threshold, classes) = first
        .strip_prefix("Small block threshold = ")
        .and_then(|r| r.strip_suffix(" size classes."))
        .and_then(|r| r.split_once(", in "))
        .ok_or_else(|| bad(format!("first line {first:?}")))?;
    let threshold = number(threshold)?;
    let num_classes = number(classes)?;
    if num_classes == 0 || threshold % num_classes != 0 {
        return Err(bad(format!("first line {first:?}")));
    }
    let alignment = threshold / num_classes;

    // The size-class table: a header, a rule, then one row per class with pools.
    let mut found_header = false;
    for line in lines.by_ref() {
        if line.split_whitespace().collect::<Vec<_>>().join(" ") == TABLE_HEADER {
            found_header = true;
            break;
        }
    }
    if !found_header {
        return Err(bad("no size-class table header"));
    }
    match lines.next() {
        Some(rule) if !rule.trim().is_empty() && rule.chars().all(|c| c == '-' || c == ' ') => {}
        other => return Err(bad(format!("the table header is followed by {other:?}"))),
    }
    let mut rows: Vec<PySizeClass> = Vec::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
        let cells: Vec<&str> = line.split_whitespace().collect();
        if cells.len() != 5 {
            return Err(bad(format!("size-class row {line:?}")));
        }
        let n = cells
            .iter()
            .map(|c| number(c))
            .collect::<Result<Vec<_>, _>>()?;
        let row = PySizeClass {
            index: n[0],
            size: n[1],
            pools: n[2],
            blocks_in_use: n[3],
            free_blocks: n[4],
        };
        if row.index >= num_classes || rows.last().is_some_and(|p| p.index >= row.index) {
            return Err(bad(format!("size-class row {line:?} is out of order")));
        }
        rows.push(row);
    }

    // "label = value" lines; the arena map's section has a "Total" of its own.
    let mut main: [Option<u64>; 11] = [None; 11];
    let [total_arenas, reclaimed, highwater, current, allocated, available, headers, quant, align, total, calls] =
        &mut main;
    let mut arenas: Option<(u64, u64, u64)> = None;
    let mut unused: Option<(u64, u64, u64)> = None;
    let mut map: [Option<u64>; 6] = [None; 6];
    let mut in_map = false;
    for line in lines {
        if line.trim() == MAP_HEADING {
            in_map = true;
            continue;
        }
        let Some((label, value)) = line.rsplit_once('=') else {
            continue;
        };
        let label = label.trim();
        let value = number(value).map_err(|e| match e {
            ParseError::Format(m) => bad(format!("{m} in line {line:?}")),
            other => other,
        })?;
        if in_map {
            let slot = match label {
                "# arena map mid nodes" => &mut map[0],
                "# arena map bot nodes" => &mut map[1],
                "# bytes lost to arena map root" => &mut map[2],
                "# bytes lost to arena map mid" => &mut map[3],
                "# bytes lost to arena map bot" => &mut map[4],
                TOTAL => &mut map[5],
                _ => continue,
            };
            put(slot, value, label)?;
            continue;
        }
        let slot = match label {
            ARENAS_TOTAL => &mut *total_arenas,
            ARENAS_RECLAIMED => &mut *reclaimed,
            ARENAS_HIGHWATER => &mut *highwater,
            ARENAS_CURRENT => &mut *current,
            ALLOCATED => &mut *allocated,
            AVAILABLE => &mut *available,
            POOL_HEADERS => &mut *headers,
            QUANTIZATION => &mut *quant,
            ARENA_ALIGNMENT => &mut *align,
            TOTAL => &mut *total,
            MALLOC_CALLS => &mut *calls,
            _ => {
                if let Some((n, s)) = product(label, "arenas *", "bytes/arena") {
                    if arenas.replace((n, s, value)).is_some() {
                        return Err(bad(format!("the line {label:?} appears twice")));
                    }
                } else if let Some((n, s)) = product(label, "unused pools *", "bytes") {
                    if unused.replace((n, s, value)).is_some() {
                        return Err(bad(format!("the line {label:?} appears twice")));
                    }
                }
                continue;
            }
        };
        put(slot, value, label)?;
    }

    let (arena_count, arena_size, arena_bytes) =
        arenas.ok_or_else(|| bad("no line \"N arenas * S bytes/arena\""))?;
    let (unused_pools, pool_size, unused_bytes) =
        unused.ok_or_else(|| bad("no line \"N unused pools * S bytes\""))?;
    let figures = Figures {
        arena_size,
        pool_size,
        alignment,
        small_request_threshold: threshold,
        num_size_classes: num_classes,
        arenas_allocated_total: need(*total_arenas, ARENAS_TOTAL)?,
        arenas_reclaimed: need(*reclaimed, ARENAS_RECLAIMED)?,
        arenas_highwater: need(*highwater, ARENAS_HIGHWATER)?,
        arenas_in_use: need(*current, ARENAS_CURRENT)?,
        bytes_in_allocated_blocks: need(*allocated, ALLOCATED)?,
        bytes_in_available_blocks: need(*available, AVAILABLE)?,
        unused_pools,
        unused_pools_bytes: unused_bytes,
        pool_headers_bytes: need(*headers, POOL_HEADERS)?,
        quantization_bytes: need(*quant, QUANTIZATION)?,
        arena_alignment_bytes: need(*align, ARENA_ALIGNMENT)?,
        total: need(*total, TOTAL)?,
        malloc_calls: *calls,
        arena_map_mid_nodes: map[0],
        arena_map_bot_nodes: map[1],
        arena_map_root_bytes: map[2],
        arena_map_mid_bytes: map[3],
        arena_map_bot_bytes: map[4],
        arena_map_bytes: map[5],
    };
    check(&figures, &rows, arena_count, arena_bytes)?;
    Ok(Parsed {
        figures,
        classes: rows,
    })
}

/// The sums the C code computes from the same numbers it prints: if one does not hold, a
/// line was misread.
fn check(
    f: &Figures,
    rows: &[PySizeClass],
    arena_count: u64,
    arena_bytes: u64,
) -> Result<(), ParseError> {
    // u128: a damaged report must give an error, not an overflow.
    let wide = |n: u64| n as u128;
    let sum =
        |g: fn(&PySizeClass) -> u64| rows.iter().map(|c| wide(g(c)) * wide(c.size)).sum::<u128>();
    let parts = [
        f.bytes_in_allocated_blocks,
        f.bytes_in_available_blocks,
        f.unused_pools_bytes,
        f.pool_headers_bytes,
        f.quantization_bytes,
        f.arena_alignment_bytes,
    ];
    let checks = [
        (
            arena_count == f.arenas_in_use,
            "the arena count differs from \"# arenas allocated current\"",
        ),
        (
            wide(arena_bytes) == wide(arena_count) * wide(f.arena_size),
            "arenas * bytes/arena is not the product printed",
        ),
        (
            wide(f.unused_pools_bytes) == wide(f.unused_pools) * wide(f.pool_size),
            "unused pools * bytes is not the product printed",
        ),
        (
            wide(f.total) == parts.iter().map(|&p| wide(p)).sum::<u128>(),
            "\"Total\" is not the sum of the six byte counts",
        ),
        (
            wide(f.bytes_in_allocated_blocks) == sum(|c| c.blocks_in_use),
            "\"# bytes in allocated blocks\" is not the sum of blocks in use * size",
        ),
        (
            wide(f.bytes_in_available_blocks) == sum(|c| c.free_blocks),
            "\"# bytes in available blocks\" is not the sum of avail blocks * size",
        ),
    ];
    for (ok, what) in checks {
        if !ok {
            return Err(bad(what));
        }
    }
    Ok(())
}
#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from `sys._debugmallocstats()` on CPython 3.12.1 (stderr, up to the free lists).
    const SAMPLE: &str = "Small block threshold = 512, in 32 size classes.

class   size   num pools   blocks in use  avail blocks
-----   ----   ---------   -------------  ------------
    0     16           1              27           994
    1     32           1             492            18
   31    512           1              26             5

# arenas allocated total           =                    2
# arenas reclaimed                 =                    0
# arenas highwater mark            =                    2
# arenas allocated current         =                    2
2 arenas * 1048576 bytes/arena     =            2,097,152

# bytes in allocated blocks        =               29,488
# bytes in available blocks        =               19,040
124 unused pools * 16384 bytes     =            2,031,616
# bytes lost to pool headers       =                  144
# bytes lost to quantization       =                  480
# bytes lost to arena alignment    =               16,384
Total                              =            2,097,152

arena map counts
# arena map mid nodes              =                    1
# arena map bot nodes              =                    1

# bytes lost to arena map root     =              262,144
# bytes lost to arena map mid      =              262,144
# bytes lost to arena map bot      =              131,072
Total                              =              655,360
";

    #[test]
    fn parses_every_figure() {
        let p = parse(SAMPLE).unwrap();
        let f = &p.figures;
        assert_eq!(
            (
                f.arena_size,
                f.pool_size,
                f.alignment,
                f.small_request_threshold
            ),
            (1 << 20, 16384, 16, 512)
        );
        assert_eq!(
            (f.arenas_in_use, f.unused_pools, f.total),
            (2, 124, 2_097_152)
        );
        assert_eq!(f.arena_map_bytes, Some(655_360));
        assert_eq!(f.malloc_calls, None);
        assert_eq!(p.classes.len(), 3);
        assert_eq!(
            p.classes[2],
            PySizeClass {
                index: 31,
                size: 512,
                pools: 1,
                blocks_in_use: 26,
                free_blocks: 5
            }
        );
    }

    #[test]
    fn refuses_missing_lines_and_wrong_sums() {
        let without = SAMPLE.replace("# arenas reclaimed", "# arenas recycled");
        assert_eq!(parse(&without), Err(bad("no line \"# arenas reclaimed\"")));
        let wrong = SAMPLE.replace("27           994", "28           994");
        assert!(matches!(parse(&wrong), Err(ParseError::Format(_))));
        assert!(matches!(parse(""), Err(ParseError::Format(_))));
        let twice = SAMPLE.replace("# arenas reclaimed", "# arenas highwater mark");
        assert!(matches!(parse(&twice), Err(ParseError::Format(_))));
    }

    #[test]
    fn huge_numbers_are_an_error_not_an_overflow() {
        let huge = SAMPLE.replace(
            "    0     16           1              27           994",
            "    0     16           1  18446744073709551615           994",
        );
        assert!(matches!(parse(&huge), Err(ParseError::Format(_))));
        let too_big = SAMPLE.replace("=                    2\n", "= 99999999999999999999999\n");
        assert!(matches!(parse(&too_big), Err(ParseError::Format(_))));
    }

    #[test]
    fn recognises_mimalloc() {
        let mi =
            "Small block threshold = 16384, in 73 size classes.\nMedium block threshold = 131072\n";
        assert!(matches!(parse(mi), Err(ParseError::NotPymalloc(_))));
    }
}
