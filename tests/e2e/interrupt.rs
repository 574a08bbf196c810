//! SIGINT and SIGTERM stop a run cleanly; a killed batch run's leftovers are removed by the next
//! batch; a closed standard output ends a command without a panic.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;

/// Entries of a directory, by name.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Starts a long run, waits until it is writing its staging directory, sends `signal` and returns
/// (exit code, stderr, what is left in the output's parent directory).
fn interrupt_run(signal: &str) -> (Option<i32>, String, Vec<String>) {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("run");
    let scenario = repo().join("scenarios/us-japan-liaison.ron");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentinel"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .current_dir(repo())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run writes its log in the staging directory, then a little more.
    let start = Instant::now();
    loop {
        let staging = entries(t.path()).into_iter().find(|n| n.starts_with(".run.partial-"));
        if staging.is_some_and(|s| {
            t.path()
                .join(s)
                .join("events.jsonl")
                .metadata()
                .is_ok_and(|m| m.len() > 0)
        }) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the run never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be interrupted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let k = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(k.success());
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        entries(t.path()),
    )
}

#[test]
fn sigint_and_sigterm_stop_a_run_and_leave_nothing() {
    for (signal, code, name) in [("-INT", 130, "SIGINT"), ("-TERM", 143, "SIGTERM")] {
        let (status, stderr, left) = interrupt_run(signal);
        assert_eq!(status, Some(code), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("interrupted by {name}: stopped cleanly")),
            "{name}: {stderr}"
        );
        assert!(left.is_empty(), "{name} left {left:?}");
    }
}

#[test]
fn a_batch_rerun_removes_what_its_killed_runs_left() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("mc");
    let (scenario, out_s) = (quick_look(), out.to_str().unwrap().to_string());
    let batch = || {
        let args = [
            "batch",
            scenario.to_str().unwrap(),
            "--runs",
            "2",
            "--out",
            &out_s,
            "--quiet",
            "--shard",
            "0/2",
        ];
        let o = sentinel(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    batch();
    // What a killed run 0 and a killed run 1 (another shard's) would leave.
    for d in [
        ".run-00000.partial-4242",
        ".run-00000.old-4242",
        ".run-00001.partial-4243",
    ] {
        std::fs::create_dir_all(out.join(d)).unwrap();
        std::fs::write(out.join(d).join("events.jsonl"), b"{\"tick\":0}\n").unwrap();
    }
    let stdout = batch();
    assert!(
        stdout.contains("0 run(s) made, 1 already complete, 2 stale staging directories of killed runs removed"),
        "{stdout}"
    );
    assert_eq!(
        entries(&out),
        [".run-00001.partial-4243", "batch.json", "run-00000"],
        "shard 0 removes only its own runs' leftovers"
    );
}

#[test]
fn a_closed_standard_output_ends_a_command_without_a_panic() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("run");
    run_ok(&quick_look(), &out, &["--quiet"]);
    for args in [
        vec!["verify", out.to_str().unwrap()],
        vec!["check", quick_look().to_str().unwrap()],
        vec!["diff", out.to_str().unwrap(), out.to_str().unwrap()],
    ] {
        // Close the reading end before the command starts (as `| head -0` would): closing it
        // after the spawn races with the command's first write on a loaded machine.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let child = Command::new(env!("CARGO_BIN_EXE_sentinel"))
            .args(&args)
            .current_dir(repo())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            o.status.signal(),
            Some(13),
            "{args:?} ends by SIGPIPE: {:?} {stderr}",
            o.status
        );
    }
}
