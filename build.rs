//! Declares PyO3's `Py_3_N` / `Py_GIL_DISABLED` cfgs for this crate and refuses the
//! interpreters pyhood cannot read: PyPy, GraalPy, the limited API, and CPython versions
//! whose layouts pyhood has not been proven against.

use pyo3_build_config::{get, use_pyo3_cfgs, PythonAbiKind, PythonImplementation};

/// Oldest and newest CPython minor versions whose layouts live in `src/raw/compat.rs`.
const OLDEST: (u8, u8) = (3, 10);
const NEWEST: (u8, u8) = (3, 15);

fn main() {
    use_pyo3_cfgs();
    let config = get();
    if config.implementation() != PythonImplementation::CPython {
        panic!(
            "pyhood reads CPython's own memory layout; {:?} is not supported",
            config.implementation()
        );
    }
    if matches!(config.target_abi().kind(), PythonAbiKind::Stable(_)) {
        panic!("pyhood cannot be built for the limited API (abi3): layouts differ per CPython minor version");
    }
    let version = config.version();
    let v = (version.major, version.minor);
    if v < OLDEST || v > NEWEST {
        panic!(
            "pyhood supports CPython {}.{} to {}.{}; this build targets {}.{}, whose layouts pyhood does not know",
            OLDEST.0, OLDEST.1, NEWEST.0, NEWEST.1, v.0, v.1
        );
    }
    println!("cargo:rustc-env=PYHOOD_BUILT_FOR_MINOR={}", v.1);
    println!(
        "cargo:rustc-env=PYHOOD_BUILT_FREE_THREADED={}",
        u8::from(config.is_free_threaded())
    );
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
}
