//! pyhood's native module `pyhood._pyhood`: wiring only. Unsafe code lives in `raw/`;
//! everything else is safe Rust, which the compiler enforces: `unsafe_code` is denied for
//! the whole crate, with the one exception of the `raw` module.

#![deny(unsafe_code)]

mod args;
mod blocks;
mod census;
pub mod cpython;
mod deep_footprint;
mod errors;
mod footprint;
mod freelists;
mod gc_info;
mod generations;
mod header;
mod identity;
mod interning;
mod interpreter_state;
mod layout;
mod obmalloc;
#[allow(unsafe_code)] // the raw-read layer: the only place with `unsafe` code
pub mod raw;
mod referrers;
mod render;
mod walk;
mod weakrefs;

use pyo3::exceptions::PyImportError;
use pyo3::prelude::*;

/// The `PyObject` header of `obj`, as an immutable snapshot.
#[pyfunction(name = "header")]
#[pyo3(signature = (obj, /))]
fn py_header(obj: &Bound<'_, PyAny>) -> PyResult<Py<header::PyObjectHeader>> {
    raw::collector::snapshot(obj.py(), |_| Ok(header::header(obj)))
}

/// The object's memory, field by field, in address order.
#[pyfunction(name = "layout")]
#[pyo3(signature = (obj, *, max_items = None), text_signature = "(obj, *, max_items=4096)")]
fn py_layout(obj: &Bound<'_, PyAny>, max_items: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
    let _paused = raw::collector::pause(obj.py());
    let max_items = args::max_items(max_items, layout::DEFAULT_MAX_ITEMS)?;
    if layout::is_frame(obj) {
        return Ok(layout::frame_layout(obj, max_items)?.into_any());
    }
    Ok(Py::new(obj.py(), layout::describe(obj, max_items)?)?.into_any())
}

/// A frame object and, from 3.11, the `_PyInterpreterFrame` it points to, with every
/// variable's slot named and the value stack up to its recorded top.
#[pyfunction(name = "frame_layout")]
#[pyo3(signature = (frame, /, *, max_items = None), text_signature = "(frame, /, *, max_items=4096)")]
fn py_frame_layout(
    frame: &Bound<'_, PyAny>,
    max_items: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<layout::PyFrameLayout>> {
    let _paused = raw::collector::pause(frame.py());
    let max_items = args::max_items(max_items, layout::DEFAULT_MAX_ITEMS)?;
    layout::frame_layout(frame, max_items)
}

/// Raw bytes of the object's own allocation; offsets are relative to `id(obj)`.
#[pyfunction(name = "peek")]
#[pyo3(signature = (obj, offset = None, size = None), text_signature = "(obj, offset=0, size=None)")]
fn py_peek(
    obj: &Bound<'_, PyAny>,
    offset: Option<&Bound<'_, PyAny>>,
    size: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<u8>> {
    let _paused = raw::collector::pause(obj.py());
    let offset = offset
        .map(|v| args::int(v, "offset"))
        .transpose()?
        .unwrap_or(0);
    let size = size.map(|v| args::int(v, "size")).transpose()?;
    layout::peek(obj, offset, size)
}

/// Where the object's own allocation lives: pymalloc pool, malloc chunk, or static memory.
#[pyfunction(name = "block_info")]
#[pyo3(signature = (obj, /))]
fn py_block_info(obj: &Bound<'_, PyAny>) -> PyResult<Py<blocks::PyBlockInfo>> {
    raw::collector::snapshot(obj.py(), |_| footprint::block_info(obj))
}

/// Every allocation the object owns directly, requested and allocated.
#[pyfunction(name = "footprint")]
#[pyo3(signature = (obj, /))]
fn py_footprint(obj: &Bound<'_, PyAny>) -> PyResult<Py<footprint::PyFootprint>> {
    raw::collector::snapshot(obj.py(), |_| footprint::footprint(obj))
}

/// The interpreter's free lists: `{name: FreeList(count, limit)}`.
#[pyfunction(name = "freelists")]
fn py_freelists(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let _paused = raw::collector::pause(py);
    freelists::freelists(py)
}

/// Every offset and size pyhood relies on: `[(key, offset, size, header), ...]`; the
/// interpreter-state entries are those located and proven on the running interpreter.
#[pyfunction]
fn _offsets(py: Python<'_>) -> Vec<raw::offsets::Entry> {
    let _ = _located_state(py);
    let mut v = raw::offsets::table();
    v.extend(interpreter_state::offset_entries());
    v
}

/// Locate every piece of interpreter state pyhood reads and say how each was found:
/// `[(member, offset, built_offset, how), ...]` (pieces that could not be located are
/// absent; the APIs that need them raise).
#[pyfunction]
fn _located_state(py: Python<'_>) -> Vec<(String, usize, usize, String)> {
    // Each call locates (once per process) what it reads; errors surface in those APIs.
    let _ = generations::gc_generations(py);
    let _ = freelists::freelists(py);
    if cfg!(Py_3_12) {
        let _ = interning::interned_count(py);
        let int_type = py.get_type::<pyo3::types::PyInt>().as_ptr() as usize;
        let _ = interpreter_state::static_type_entry(py, int_type);
    }
    interpreter_state::located_so_far()
        .into_iter()
        .map(|l| (l.member, l.offset, l.built, l.how))
        .collect()
}

/// Test hook: locate everything again with every prediction ignored, each piece found by
/// its bounded search alone, as on a patch release the build knows nothing of.
#[pyfunction]
fn _relocate_by_search(py: Python<'_>) -> Vec<(String, usize, usize, String)> {
    interpreter_state::relocate_by_search(|| _located_state(py))
}

/// Refuse to run inside an interpreter other than the one this module was compiled for.
fn check_interpreter(py: Python<'_>) -> PyResult<()> {
    let sys = py.import("sys")?;
    let implementation: String = sys.getattr("implementation")?.getattr("name")?.extract()?;
    let (major, minor): (u8, u8) = sys
        .getattr("version_info")?
        .get_item(0)?
        .extract::<u8>()
        .and_then(|a| {
            Ok((
                a,
                sys.getattr("version_info")?.get_item(1)?.extract::<u8>()?,
            ))
        })?;
    let gil_disabled = py
        .import("sysconfig")?
        .call_method1("get_config_var", ("Py_GIL_DISABLED",))?
        .extract::<Option<i64>>()?
        .unwrap_or(0)
        != 0;
    let built = format!(
        "CPython 3.{}{}",
        cpython::BUILT_FOR_MINOR,
        if cpython::FREE_THREADED { "t" } else { "" }
    );
    let running = format!(
        "{implementation} {major}.{minor}{}",
        if gil_disabled { "t" } else { "" }
    );
    if built.to_lowercase() != running.to_lowercase() {
        return Err(PyImportError::new_err(format!(
            "pyhood was built for {built} but is running on {running}; layouts differ between \
             versions, so pyhood refuses to guess. Reinstall pyhood with this interpreter."
        )));
    }
    Ok(())
}

#[pymodule]
fn _pyhood(m: &Bound<'_, PyModule>) -> PyResult<()> {
    check_interpreter(m.py())?;
    m.add_function(wrap_pyfunction!(py_header, m)?)?;
    // `refcnt` is a bare METH_O function (see raw/refcnt.rs) to cost what sys.getrefcount costs.
    m.add("refcnt", raw::refcnt::refcnt_function(m)?)?;
    m.add_function(wrap_pyfunction!(py_layout, m)?)?;
    m.add_function(wrap_pyfunction!(py_peek, m)?)?;
    m.add_function(wrap_pyfunction!(py_frame_layout, m)?)?;
    m.add_class::<layout::PyFrameLayout>()?;
    m.add_class::<layout::PyFrameSlot>()?;
    m.add_function(wrap_pyfunction!(_offsets, m)?)?;
    m.add_function(wrap_pyfunction!(_located_state, m)?)?;
    m.add_function(wrap_pyfunction!(_relocate_by_search, m)?)?;
    m.add_function(wrap_pyfunction!(py_block_info, m)?)?;
    m.add_function(wrap_pyfunction!(py_footprint, m)?)?;
    m.add_function(wrap_pyfunction!(py_freelists, m)?)?;
    m.add_class::<freelists::PyFreeList>()?;
    m.add_class::<blocks::PyBlockInfo>()?;
    m.add_class::<footprint::PyAllocation>()?;
    m.add_class::<footprint::PyFootprint>()?;
    m.add_class::<header::PyObjectHeader>()?;
    m.add_class::<layout::PyLayout>()?;
    m.add_class::<layout::PyField>()?;
    obmalloc::register(m)?;
    interning::register(m)?;
    generations::register(m)?;
    gc_info::register(m)?;
    identity::register(m)?;
    weakrefs::register(m)?;
    deep_footprint::register(m)?;
    census::register(m)?;
    referrers::register(m)?;
    m.add("BUILT_FOR", format!("3.{}", cpython::BUILT_FOR_MINOR))?;
    m.add("FREE_THREADED", cpython::FREE_THREADED)?;
    // The release whose headers the build-time probe read (`src/cpython/pycore_interp.c`).
    m.add("BUILT_HEXVERSION", cpython::pycore_interp::BUILT_HEXVERSION)?;
    m.add("BUILT_RELEASE", interpreter_state::built_release())?;
    Ok(())
}
