//! Running the binary and reading its outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `sentinel` with arguments, from the repository root.
pub fn sentinel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sentinel"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("sentinel runs")
}

/// Runs a scenario into `out` and returns the output; panics (with stderr) unless it succeeded.
pub fn run_ok(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = sentinel(&args);
    assert!(
        o.status.success(),
        "sentinel {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Reads a file of a run directory.
pub fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// The bundled small scenario.
pub fn quick_look() -> PathBuf {
    repo().join("scenarios/quick-look.ron")
}

/// Events of one kind, as lines.
pub fn lines_of_kind(events: &[u8], kind: &str) -> Vec<String> {
    let pat = format!("\"kind\":\"{kind}\"");
    String::from_utf8_lossy(events)
        .lines()
        .filter(|l| l.contains(&pat))
        .map(str::to_string)
        .collect()
}

/// An outside tool that `tests/tools/setup.sh` installs (a path relative to the repository, such as
/// `target/test-tools/py/bin/python`). When it is missing the test is skipped with a message, except
/// under `CI=true`, where it fails: a skipped check proves nothing.
pub fn tool(relative: &str) -> Option<PathBuf> {
    let p = if relative.starts_with('/') {
        PathBuf::from(relative)
    } else {
        repo().join(relative)
    };
    if p.exists() {
        return Some(p);
    }
    let what = if relative.starts_with("target/test-tools/") {
        "Python 3 with venv and pip (Debian: python3-venv)"
    } else if relative.starts_with("viewer/") || relative.ends_with("/node") {
        "Node.js 20 or newer with npm"
    } else if relative.ends_with("chromium") {
        "Debian's chromium"
    } else if relative.starts_with("/usr/share/fonts/") {
        "Debian's fonts-dejavu-core and fonts-liberation"
    } else {
        "it"
    };
    let msg = format!(
        "{} is missing: install {what}, then run `bash tests/run` (tests/tools/setup.sh installs the rest)",
        p.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

/// The test venv's Python with ccsds-ndm, czml3, duckdb and opendis (see [`tool`]).
pub fn python() -> Option<PathBuf> {
    tool("target/test-tools/py/bin/python")
}

/// Runs a reader script in a test venv and parses its JSON output.
pub fn read_with(venv: &str, script: &str, args: &[&str]) -> Option<serde_json::Value> {
    let python = tool(&format!("target/test-tools/{venv}/bin/python"))?;
    let o = std::process::Command::new(python)
        .arg(repo().join("tests/tools").join(script))
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{script} {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(serde_json::from_slice(&o.stdout).unwrap())
}

/// Both NDM readers' view of a file (None when the tools are missing outside CI).
pub fn read_ndm(file: &Path) -> Option<[serde_json::Value; 2]> {
    let f = file.to_str().unwrap();
    Some([
        read_with("py", "read_ndm.py", &["ccsds-ndm", f])?,
        read_with("py-ndm", "read_ndm.py", &["ccsds-ndm-py", f])?,
    ])
}
