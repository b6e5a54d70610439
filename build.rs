//! Declares PyO3's `Py_3_N` / `Py_GIL_DISABLED` cfgs for this crate, refuses the
//! interpreters pyhood cannot read (PyPy, GraalPy, the limited API, CPython versions whose
//! layouts pyhood has not been proven against), and asks the headers of the interpreter it
//! builds for where that release keeps its interpreter state: `src/cpython/pycore_interp.c`
//! is compiled against them (`Py_BUILD_CORE`, `Include/internal/`) and run, and what it
//! prints becomes `$OUT_DIR/pycore_interp_probe.rs` (see `src/cpython/pycore_interp.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use pyo3_build_config::{get, use_pyo3_cfgs, PythonAbiKind, PythonImplementation};

/// Oldest and newest CPython minor versions whose layouts live in `src/raw/compat/`.
const OLDEST: (u8, u8) = (3, 10);
const NEWEST: (u8, u8) = (3, 15);
const PROBE: &str = "src/cpython/pycore_interp.c";

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
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rerun-if-changed={PROBE}");

    let python = config
        .executable()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("pyo3 found no interpreter executable to ask for its headers"));
    let generated = probe_interpreter_state(&python, v);
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("pycore_interp_probe.rs"), generated)
        .expect("write pycore_interp_probe.rs");
}

/// `(include dir, C compiler words)` of `python`, from its own `sysconfig`.
fn interpreter_paths(python: &str) -> (PathBuf, Vec<String>) {
    let script = "import sysconfig; print(sysconfig.get_paths()['include']); \
                  print(sysconfig.get_config_var('CC') or '')";
    let out = Command::new(python)
        .args(["-c", script])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} to ask for its include dir: {e}"));
    assert!(
        out.status.success(),
        "{python} -c '{script}' failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let include = PathBuf::from(lines.next().unwrap_or_default().trim());
    let cc = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    (include, cc)
}

/// Compile and run the probe; its standard output is the generated Rust source.
fn probe_interpreter_state(python: &str, v: (u8, u8)) -> String {
    let (include, sysconfig_cc) = interpreter_paths(python);
    let internal = include.join("internal");
    if !internal.join("pycore_interp.h").is_file() {
        panic!(
            "pyhood needs CPython's internal headers to learn where this release keeps its \
             interpreter state, and {} has none (no internal/pycore_interp.h). Install the \
             development headers of this interpreter: on Debian/Ubuntu `apt-get install \
             python{}.{}-dev`; pyenv and python.org builds include them.",
            include.display(),
            v.0,
            v.1
        );
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let exe = out.join("pycore_interp_probe");
    // The compiler the interpreter was built with first, then the usual names.
    let mut compilers: Vec<Vec<String>> = Vec::new();
    if let Ok(cc) = std::env::var("CC") {
        compilers.push(cc.split_whitespace().map(str::to_string).collect());
    }
    if !sysconfig_cc.is_empty() {
        compilers.push(sysconfig_cc);
    }
    compilers.push(vec!["cc".into()]);
    compilers.push(vec!["gcc".into()]);
    let mut errors = String::new();
    // 3.14.0-3.14.4 headers declare the incremental collector: retry without generations.
    for defines in [&[][..], &["-DPYHOOD_NO_GENERATIONS"][..]] {
        for cc in &compilers {
            match compile(cc, defines, &include, &internal, &exe) {
                Ok(()) => return run(&exe),
                Err(e) => errors.push_str(&format!(
                    "\n--- {} {}:\n{e}",
                    cc.join(" "),
                    defines.join(" ")
                )),
            }
        }
    }
    panic!(
        "could not compile {PROBE} against {} (it asks the interpreter's own headers where its \
         state lives; a C compiler and the python{}.{}-dev headers are needed):{errors}",
        include.display(),
        v.0,
        v.1
    );
}

fn compile(
    cc: &[String],
    defines: &[&str],
    include: &Path,
    internal: &Path,
    exe: &Path,
) -> Result<(), String> {
    let (program, args) = cc.split_first().ok_or("empty compiler command")?;
    let out = Command::new(program)
        .args(args)
        .args(defines)
        .arg(format!("-I{}", include.display()))
        .arg(format!("-I{}", internal.display()))
        .arg(PROBE)
        .arg("-o")
        .arg(exe)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(stderr.lines().take(12).collect::<Vec<_>>().join("\n"))
    }
}

fn run(exe: &Path) -> String {
    let out = Command::new(exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the compiled probe {}: {e}", exe.display()));
    assert!(out.status.success(), "the probe {} failed", exe.display());
    String::from_utf8(out.stdout).expect("the probe prints ASCII")
}
