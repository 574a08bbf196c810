//! `sentinel verify`, `replay` and `diff`.

use sha2::{Digest, Sha256};

use crate::util::*;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The per-tick chain of a log, as `ticks.sha256` holds it.
fn chain(events: &[u8], ticks: u64) -> String {
    let text = String::from_utf8_lossy(events);
    let mut head = [0u8; 32];
    let mut out = String::new();
    for t in 0..ticks {
        let prefix = format!("{{\"tick\":{t},");
        let bytes: String = text
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .map(|l| format!("{l}\n"))
            .collect();
        let mut h = Sha256::new();
        h.update(head);
        h.update(Sha256::digest(bytes.as_bytes()));
        head = h.finalize().into();
        out += &format!("{t} {}\n", hex(&head));
    }
    out
}

#[test]
fn verify_passes_an_intact_run_and_names_a_tampered_or_truncated_file() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("run");
    run_ok(&quick_look(), &out, &["--quiet", "--view", "JPN"]);
    let o = sentinel(&["verify", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("ok      views/JPN.jsonl") && stdout.contains("tick chain (1080 ticks"));
    // The chain file is the log's chain, recomputed independently here.
    let events = read(&out, "events.jsonl");
    assert_eq!(
        String::from_utf8(read(&out, "ticks.sha256")).unwrap(),
        chain(&events, 1080)
    );

    // One byte changed in the log.
    // One digit of an elevation in the middle of the log changed.
    let mut bad = events.clone();
    let key = b"\"el_deg\":";
    let i = bad.len() / 2 + bad[bad.len() / 2..].windows(key.len()).position(|w| w == key).unwrap() + key.len() + 1;
    assert!(bad[i].is_ascii_digit());
    bad[i] = if bad[i] == b'1' { b'2' } else { b'1' };
    std::fs::write(out.join("events.jsonl"), &bad).unwrap();
    let o = sentinel(&["verify", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout.contains("FAILED  events.jsonl: SHA-256") && stdout.contains("(modified)"),
        "{stdout}"
    );
    assert!(stdout.contains("FAILED  ticks.sha256 does not match"), "{stdout}");

    // Truncated.
    std::fs::write(out.join("events.jsonl"), &events[..events.len() - 100]).unwrap();
    let o = sentinel(&["verify", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("(truncated or appended to)"));

    // A view changed.
    std::fs::write(out.join("events.jsonl"), &events).unwrap();
    std::fs::write(out.join("views/JPN.jsonl"), b"").unwrap();
    let o = sentinel(&["verify", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("FAILED  views/JPN.jsonl"));
}

#[test]
fn replay_reproduces_a_run_and_names_the_first_divergent_tick_and_event() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("run");
    run_ok(&quick_look(), &out, &["--quiet"]);
    let o = sentinel(&["replay", out.to_str().unwrap(), "--threads", "1", "--quiet"]);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("replay identical: all 1080 ticks"));

    // A log as another build might have written it: one event at tick 300 differs, and the chain
    // was recomputed to match it. The replay names tick 300 and that event.
    let events = String::from_utf8(read(&out, "events.jsonl")).unwrap();
    let target = events
        .lines()
        .find(|l| l.starts_with("{\"tick\":300,"))
        .unwrap()
        .to_string();
    let changed = target.replacen("\"tick\":300,", "\"tick\":300,\"x\":1,", 1);
    let altered = events.replacen(&target, &changed, 1);
    std::fs::write(out.join("events.jsonl"), &altered).unwrap();
    std::fs::write(out.join("ticks.sha256"), chain(altered.as_bytes(), 1080)).unwrap();
    let o = sentinel(&["replay", out.to_str().unwrap(), "--quiet"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("first divergent tick 300"), "{stdout}");
    assert!(
        stdout.contains(&format!("recorded: {changed}")) && stdout.contains(&format!("replayed: {target}")),
        "{stdout}"
    );

    // The same edit with the chain file left as it was: the replay reads the log itself.
    std::fs::write(out.join("ticks.sha256"), chain(events.as_bytes(), 1080)).unwrap();
    let o = sentinel(&["replay", out.to_str().unwrap(), "--quiet"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("first divergent tick 300"), "{stdout}");

    // Cut after tick 1000: the replay finds the missing lines.
    let cut: String = events
        .lines()
        .take_while(|l| !l.starts_with("{\"tick\":1001,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(out.join("events.jsonl"), &cut).unwrap();
    let o = sentinel(&["replay", out.to_str().unwrap(), "--quiet"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("first divergent tick 1001"), "{stdout}");

    // Intact lines, one line appended after the last tick; or an empty line: both named. (A log
    // whose every line matches but whose digest does not cannot be made without another line.)
    std::fs::write(out.join("events.jsonl"), format!("{events}{{\"tick\":1080}}\n")).unwrap();
    let o = sentinel(&["replay", out.to_str().unwrap(), "--quiet"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("lines after the run's last tick"), "{stdout}");
    std::fs::write(out.join("events.jsonl"), format!("{events}\n")).unwrap();
    let o = sentinel(&["replay", out.to_str().unwrap(), "--quiet"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("events.jsonl is damaged at tick 1079"), "{stdout}");

    // No log at all: an error naming it.
    std::fs::remove_file(out.join("events.jsonl")).unwrap();
    let o = sentinel(&["replay", out.to_str().unwrap(), "--quiet"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot open the recorded log") && stderr.contains("events.jsonl"),
        "{stderr}"
    );
}

#[test]
fn replay_refuses_when_an_input_changed() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("scn");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for f in [
        "data/celestrak-stations-2026-05-30.tle",
        "data/celestrak-geo-2026-05-30.tle",
        "quick-look.ron",
    ] {
        std::fs::copy(repo().join("scenarios").join(f), dir.join(f)).unwrap();
    }
    let out = t.path().join("run");
    run_ok(&dir.join("quick-look.ron"), &out, &["--quiet"]);
    let tle = dir.join("data/celestrak-geo-2026-05-30.tle");
    let text = std::fs::read_to_string(&tle).unwrap();
    std::fs::write(&tle, text.replacen("HIMAWARI-9", "HIMAWARI-9X", 1)).unwrap();
    let o = sentinel(&["replay", out.to_str().unwrap(), "--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the inputs changed") && err.contains("data/celestrak-geo-2026-05-30.tle"),
        "{err}"
    );
}

#[test]
fn diff_names_the_first_event_a_changed_scenario_changes() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    run_ok(&quick_look(), &a, &["--quiet"]);
    // The same exercise with Bisei's telescope less sensitive.
    let text = std::fs::read_to_string(quick_look()).unwrap();
    assert!(text.contains("limiting_magnitude: 17.0"));
    let scenario = repo().join("scenarios/.diff-test-quick-look.ron");
    std::fs::write(
        &scenario,
        text.replace("limiting_magnitude: 17.0", "limiting_magnitude: 14.0"),
    )
    .unwrap();
    let b = t.path().join("b");
    let run = sentinel(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
        "--quiet",
    ]);
    std::fs::remove_file(&scenario).unwrap();
    assert!(run.status.success());
    let (la, lb) = (
        String::from_utf8(read(&a, "events.jsonl")).unwrap(),
        String::from_utf8(read(&b, "events.jsonl")).unwrap(),
    );
    let (x, y) = la.lines().zip(lb.lines()).find(|(x, y)| x != y).unwrap();
    let o = sentinel(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout.contains(&format!("  A: {x}")) && stdout.contains(&format!("  B: {y}")),
        "{stdout}"
    );
    assert!(stdout.contains("by sensor:") && stdout.contains("JP-BISEI"), "{stdout}");
    // A run against itself.
    let o = sentinel(&["diff", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("identical"));
}

#[test]
fn a_fork_is_byte_identical_to_its_parent_before_the_fork_tick() {
    let t = tempfile::tempdir().unwrap();
    let parent = t.path().join("parent");
    run_ok(&quick_look(), &parent, &["--quiet"]);
    let change = t.path().join("change.ron");
    std::fs::write(
        &change,
        r#"Change(
    add_injects: [SensorOutage(id: "FORK-EGLIN", sensor: "US-EGLIN", start: "T+01:30", end: "T+02:30")],
    agreements: [(id: "USA-to-JPN", from: "USA", to: "JPN", products: [Observations, TaskingSupport], delay_s: 60)],
    sensors_down: ["JP-BISEI"],
)"#,
    )
    .unwrap();
    let child = t.path().join("child");
    let o = sentinel(&[
        "fork",
        parent.to_str().unwrap(),
        "--at",
        "540",
        "--with",
        change.to_str().unwrap(),
        "--out",
        child.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("identical to its parent for ticks 0-539"));
    let (p, c) = (
        String::from_utf8(read(&parent, "events.jsonl")).unwrap(),
        String::from_utf8(read(&child, "events.jsonl")).unwrap(),
    );
    let before = |log: &str| -> String {
        log.lines()
            .take_while(|l| {
                l.split(',').next().unwrap()["{\"tick\":".len()..]
                    .parse::<u64>()
                    .unwrap()
                    < 540
            })
            .map(|l| format!("{l}\n"))
            .collect()
    };
    assert!(!before(&p).is_empty());
    assert_eq!(before(&p), before(&c), "byte-identical before the fork tick");
    assert_ne!(p, c, "the change shows from the fork tick on");
    // From the fork tick on: Bisei is down, the new agreement delivers after 60 s.
    assert!(!c.lines().any(|l| l.contains("\"sensor\":\"JP-BISEI\"")
        && l.contains("\"kind\":\"detection\"")
        && before(l).is_empty()));
    assert!(c.contains("\"agreement\":\"USA-to-JPN.fork\""));
    let m: serde_json::Value = serde_json::from_slice(&read(&child, "manifest.json")).unwrap();
    let pm: serde_json::Value = serde_json::from_slice(&read(&parent, "manifest.json")).unwrap();
    assert_eq!(m["fork"]["at_tick"], 540);
    assert_eq!(m["fork"]["parent_events_sha256"], pm["events"]["sha256"]);
    let parent_chain = String::from_utf8(read(&parent, "ticks.sha256")).unwrap();
    assert_eq!(
        format!("539 {}", m["fork"]["parent_chain_before_fork"].as_str().unwrap()),
        parent_chain.lines().nth(539).unwrap()
    );
    // The fork replays with its change re-applied, and its truth exports.
    let o = sentinel(&["replay", child.to_str().unwrap(), "--quiet"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("replay identical: all 1080 ticks") && stdout.contains("from tick 540, its change"),
        "{stdout}"
    );
    let oem = t.path().join("fork.oem");
    let o = sentinel(&[
        "export",
        child.to_str().unwrap(),
        "--format",
        "oem",
        "--objects",
        "25544",
        "--out",
        oem.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(&oem).unwrap().contains("OBJECT_ID"));
    // A fork of a fork would lose the first change: refused.
    let o = sentinel(&[
        "fork",
        child.to_str().unwrap(),
        "--at",
        "600",
        "--with",
        change.to_str().unwrap(),
        "--out",
        t.path().join("grandchild").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is itself a fork"));

    // A change acting before the fork tick is refused at its position.
    std::fs::write(
        &change,
        "Change(\n    add_injects: [SensorOutage(id: \"EARLY\", sensor: \"US-EGLIN\", start: \"T+00:10\", end: \"T+02:30\")],\n)",
    )
    .unwrap();
    let o = sentinel(&[
        "fork",
        parent.to_str().unwrap(),
        "--at",
        "540",
        "--with",
        change.to_str().unwrap(),
        "--out",
        t.path().join("bad").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("change.ron:2:36: inject `EARLY` acts before the fork time"),
        "{err}"
    );
    // The fork's change file is no longer the one it was made with: its replay refuses.
    let o = sentinel(&["replay", child.to_str().unwrap(), "--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("change file") && err.contains("when the fork was made"),
        "{err}"
    );
}
