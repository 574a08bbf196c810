//! `sentinel view`: the HTTP endpoints, and the offline CesiumJS page in headless Chromium
//! (tests/tools/view_test.mjs through playwright-core); the screenshot is kept in
//! target/test-artifacts/view.png.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util;

/// The server process, killed when dropped (also when an assertion fails).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `sentinel view RUN --port 0` and returns it with the port it printed.
fn start(run: &Path) -> (Server, u16) {
    start_with(run, &[])
}

/// Starts `sentinel view RUN --port 0 EXTRA...` and returns it with the port it printed.
fn start_with(run: &Path, extra: &[&str]) -> (Server, u16) {
    let child = Command::new(env!("CARGO_BIN_EXE_sentinel"))
        .args(["view", run.to_str().unwrap(), "--port", "0"])
        .args(extra)
        .current_dir(util::repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("sentinel view starts");
    let mut server = Server(child);
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("sentinel view prints its URL");
    assert!(line.contains("seed 7"), "{line}");
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    (server, port)
}

/// A raw HTTP/1.0 GET (the path is sent as is, `..` included): status, headers, body.
fn get(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("a status");
    (status, head.to_ascii_lowercase(), raw[split + 4..].to_vec())
}

/// Polls `/api/status` until the CZML is no longer being built (at most `secs` seconds).
fn wait_ready(port: u16, secs: u64) -> Value {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = get_json(port, "/api/status");
        if s["czml"] != "building" || Instant::now() > until {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn get_json(port: u16, path: &str) -> Value {
    let (status, _, body) = get(port, path);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `node`, or `None` (a skip; a failure under CI=true) when it is missing.
fn node() -> Option<&'static str> {
    if Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some("node");
    }
    util::tool("/usr/bin/node").map(|_| "/usr/bin/node")
}

#[test]
fn view_serves_the_run_offline_and_the_globe_draws_it() {
    let (Some(_), Some(_), Some(node)) = (
        util::tool("/usr/bin/chromium"),
        util::tool("viewer/node_modules/playwright-core"),
        node(),
    ) else {
        return;
    };
    if util::tool("viewer/node_modules/cesium/Build/Cesium/Cesium.js").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("ql");
    util::run_ok(&util::quick_look(), &run, &["--quiet"]);
    // The server gets its CZML from a named pipe, written once the page is open: the page must
    // show the build's progress, then load the globe when it is ready.
    let exported = tmp.path().join("run.czml");
    let o = util::sentinel(&[
        "export",
        run.to_str().unwrap(),
        "--format",
        "czml",
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fifo = tmp.path().join("slow.czml");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (server, port) = start_with(&run, &["--czml", fifo.to_str().unwrap()]);

    // The page, in headless Chromium, at a tick with detections on the globe.
    let events = util::read(&run, "events.jsonl");
    let detections = util::lines_of_kind(&events, "detection");
    let mid: Value = serde_json::from_str(&detections[detections.len() / 2]).unwrap();
    let url = format!("http://127.0.0.1:{port}/?tick={}", mid["tick"]);
    let shot = util::repo().join("target/test-artifacts/view.png");
    let _ = std::fs::remove_file(&shot);
    let browser = Command::new(node)
        .arg(util::repo().join("tests/tools/view_test.mjs"))
        .args([&url, shot.to_str().unwrap(), "60000"])
        .args([&fifo, &exported])
        .current_dir(util::repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    assert_eq!(wait_ready(port, 90)["czml"], "ready");

    // The CZML the page loads: every satellite, sensor and detection packet.
    let czml = get_json(port, "/api/run.czml");
    let packets = czml.as_array().expect("a CZML array");
    assert_eq!(packets[0]["id"], "document");
    let count = |kind: &str, prefix: &str| {
        let n = packets.iter().filter(|p| p["properties"]["kind"] == kind).count();
        let by_id = packets
            .iter()
            .filter(|p| p["id"].as_str().is_some_and(|i| i.starts_with(prefix)))
            .count();
        assert_eq!(n, by_id, "{kind} packets");
        n
    };
    let (sats, sensors, dets) = (
        count("satellite", "sat/"),
        count("sensor", "sensor/"),
        count("detection", "det/"),
    );
    assert!(sats > 0 && dets > 0, "{sats} satellites, {dets} detections");
    assert_eq!(sensors, 4);

    let meta = get_json(port, "/api/meta");
    assert_eq!(
        (meta["seed"].as_u64(), meta["tick_s"].as_u64()),
        (Some(7), Some(10)),
        "{meta}"
    );
    assert_eq!(meta["nations"], serde_json::json!(["JPN", "USA"]));
    assert_eq!(meta["czml"]["satellites"].as_u64(), Some(sats as u64));

    // Events: the non-routine ones by default, routine ones only by name, windows by tick.
    let ev = get_json(port, "/api/events?from_tick=0&limit=10000");
    let kinds: Vec<&str> = ev["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        !kinds.is_empty()
            && !kinds
                .iter()
                .any(|k| ["detection", "access_start", "access_end", "missed"].contains(k))
    );
    let ev = get_json(
        port,
        "/api/events?from_tick=500&to_tick=700&kinds=detection&nation=JPN&limit=7",
    );
    let list = ev["events"].as_array().unwrap();
    assert_eq!(list.len(), 7, "{ev}");
    assert!(list.iter().all(|e| e["kind"] == "detection"
        && e["nation"] == "JPN"
        && (500..=700).contains(&e["tick"].as_u64().unwrap())));
    assert_eq!(ev["truncated"], true);
    let (status, _, _) = get(port, "/api/events?from_tick=x");
    assert_eq!(status, 400);

    // CesiumJS from the local build, with its content types; nothing outside it.
    let (status, head, _) = get(port, "/cesium/Cesium.js");
    assert!(
        status == 200 && head.contains("content-type: text/javascript"),
        "{status} {head}"
    );
    let (status, head, _) = get(port, "/cesium/Assets/Textures/NaturalEarthII/0/0/0.jpg");
    assert!(
        status == 200 && head.contains("content-type: image/jpeg"),
        "{status} {head}"
    );
    for bad in [
        "/cesium/../../Cargo.toml",
        "/cesium/../../../../../../etc/passwd",
        "/cesium/%2e%2e/%2e%2e/Cargo.toml",
        "/cesium/..%2f..%2f..%2f..%2fCargo.toml",
        "/cesium/Widgets/%2E%2E/%2E%2E/%2E%2E/%2E%2E/Cargo.toml",
        "/cesium/..%5c..%5c..%5c..%5cCargo.toml",
        "/cesium//etc/passwd",
        "/cesium/%2fetc%2fpasswd",
        "/../Cargo.toml",
    ] {
        let (status, _, body) = get(port, bad);
        assert!(status == 400 || status == 404, "{bad}: {status}");
        let body = String::from_utf8_lossy(&body);
        assert!(
            !body.contains("[workspace]") && !body.contains("root:"),
            "{bad} served a file"
        );
    }

    // The page: it showed the progress, then drew the globe.
    let out = browser.wait_with_output().expect("node ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "view_test.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let ready = &r["ready"];
    assert_eq!(ready["satellites"].as_u64(), Some(sats as u64), "{r}");
    assert_eq!(ready["sensors"].as_u64(), Some(sensors as u64), "{r}");
    assert_eq!(ready["detections"].as_u64(), Some(dets as u64), "{r}");
    assert!(ready["events"].as_u64() > Some(0), "{r}");
    assert!(
        ready["visibleNow"]["detection"].as_u64() > Some(0),
        "no detection line at the tick shown: {r}"
    );
    assert_eq!(ready["tilesLoaded"], true, "{r}");
    assert_eq!(r["dom"]["sentinelReady"], "true", "{r}");
    assert_eq!(r["nationBoxes"].as_u64(), Some(2), "{r}");
    let progress = r["progress"].as_array().expect("the page polled the build's status");
    assert!(
        !progress.is_empty() && progress.iter().all(|p| p["czml"] == "building"),
        "the page did not show the build in progress: {r}"
    );
    assert_eq!(r["progressVisible"], true, "{r}");
    assert!(
        r["progressText"]
            .as_str()
            .is_some_and(|t| t.starts_with("Preparing the globe")),
        "{r}"
    );
    assert_eq!(r["progressHidden"], true, "the progress box is gone once loaded: {r}");
    // No "Cesium ion" logo: never requested, not in the credit display.
    assert_eq!(r["ionLogoRequests"], serde_json::json!([]), "{r}");
    assert_eq!(r["ionLogoElements"].as_u64(), Some(0), "{r}");
    // The globe canvas was drawn: imagery, not a black or single-colour frame.
    let px = &ready["pixels"];
    let total = px["width"].as_u64().unwrap() * px["height"].as_u64().unwrap();
    assert!(
        px["nonBlack"].as_u64().unwrap() * 20 > total,
        "canvas mostly black: {r}"
    );
    assert!(
        px["distinctColors"].as_u64().unwrap() > 30,
        "canvas nearly uniform: {r}"
    );
    // Offline: every request went to 127.0.0.1, and none of them failed.
    assert!(r["requests"].as_u64() > Some(5), "{r}");
    assert_eq!(r["offsite"], serde_json::json!([]), "requests left 127.0.0.1: {r}");
    assert_eq!(r["failed"], serde_json::json!([]), "{r}");
    assert_eq!(r["pageErrors"], serde_json::json!([]), "{r}");
    assert_eq!(r["consoleErrors"], serde_json::json!([]), "{r}");
    // Unticking a nation hides its entities (and only its), ticking it shows them again; clicking an
    // event moves the clock to it.
    let f = &r["filter"];
    assert!(f["hiddenUnchecked"].as_u64() > Some(0), "{r}");
    assert_eq!(
        (f["hiddenBefore"].as_u64(), f["hiddenAfter"].as_u64()),
        (Some(0), Some(0)),
        "{r}"
    );
    assert_eq!(f["onlyThatNation"], true, "{r}");
    let c = &r["click"];
    let (event, clock) = (c["event"].as_str().unwrap(), c["clock"].as_str().unwrap());
    assert_eq!(&clock[11..19], event, "{r}");
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 20_000, "screenshot {} has {size} bytes", shot.display());
    drop(server);
}

/// Opens a connection and sends `bytes`, leaving the request unfinished.
fn half_sent(port: u16, bytes: &str) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.write_all(bytes.as_bytes()).unwrap();
    s
}

/// What the server answered on a connection, up to its close (at most `secs` seconds).
fn answer(s: &mut TcpStream, secs: u64) -> String {
    s.set_read_timeout(Some(Duration::from_secs(secs))).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).to_string()
}

#[test]
fn view_listens_before_its_czml_is_ready_and_slow_clients_do_not_stall_it() {
    if util::tool("viewer/node_modules/cesium/Build/Cesium/Cesium.js").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("ql");
    util::run_ok(&util::quick_look(), &run, &["--quiet"]);
    let exported = tmp.path().join("run.czml");
    let o = util::sentinel(&[
        "export",
        run.to_str().unwrap(),
        "--format",
        "czml",
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let czml = std::fs::read(&exported).unwrap();

    // The built-in build: progress ends at the run's last tick, and the document is the export's.
    let (server, port) = start(&run);
    let s = wait_ready(port, 120);
    assert_eq!(s["czml"], "ready", "{s}");
    assert_eq!(
        (s["ticks_done"].as_u64(), s["ticks"].as_u64()),
        (Some(1080), Some(1080)),
        "{s}"
    );
    let (status, _, body) = get(port, "/api/run.czml");
    assert!(
        status == 200 && body == czml,
        "/api/run.czml differs from `sentinel export`"
    );
    assert_eq!(
        get_json(port, "/api/meta")["czml"]["bytes"].as_u64(),
        Some(czml.len() as u64)
    );
    drop(server);

    // A CZML that takes as long as the test likes to arrive: a named pipe nobody writes yet.
    let fifo = tmp.path().join("slow.czml");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (server, port) = start_with(&run, &["--czml", fifo.to_str().unwrap()]);
    // Listening at once: the page, meta and events are served; the CZML answers 503 with progress.
    let s = get_json(port, "/api/status");
    assert_eq!(s["czml"], "building", "{s}");
    let (status, head, body) = get(port, "/api/run.czml");
    assert!(status == 503 && head.contains("retry-after: 1"), "{status} {head}");
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["czml"], "building");
    assert_eq!(get_json(port, "/api/meta")["czml"], Value::Null);
    assert!(get_json(port, "/api/events?from_tick=0&limit=5")["count"].as_u64() > Some(0));
    assert_eq!(get(port, "/").0, 200);

    // Slow and half-sent requests: heads cut short, bodies promised and never sent (a GET with a
    // Content-Length stalled every worker of the former server), a chunked POST.
    let mut heads: Vec<TcpStream> = (0..12)
        .map(|_| half_sent(port, "GET /api/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "))
        .collect();
    let mut bodies: Vec<TcpStream> = (0..12)
        .map(|i| {
            let r = if i % 2 == 0 {
                "GET /api/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nabc"
            } else {
                "POST /api/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc"
            };
            half_sent(port, r)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    for _ in 0..5 {
        assert_eq!(get_json(port, "/api/meta")["seed"], 7);
    }
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "other clients waited {:?}",
        t0.elapsed()
    );
    // Requests with bodies are refused at once, without reading the body; cut heads time out.
    for b in &mut bodies {
        let a = answer(b, 10);
        assert!(a.starts_with("HTTP/1.1 413 "), "{a}");
    }
    let t0 = Instant::now();
    for h in &mut heads {
        let a = answer(h, 40);
        assert!(a.starts_with("HTTP/1.1 408 "), "{a}");
    }
    assert!(
        t0.elapsed() < Duration::from_secs(30),
        "cut heads were held {:?}",
        t0.elapsed()
    );

    // A flood of idle connections: past the limit a connection is told 503 at once, never left
    // hanging; a client is answered at once either way, and when they go, clients are served again.
    let mut idle: Vec<TcpStream> = (0..80)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    let t0 = Instant::now();
    let mut probe = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let _ = probe.write_all(b"GET /api/meta HTTP/1.0\r\n\r\n");
    let a = answer(&mut probe, 20);
    assert!(
        (a.is_empty() || a.starts_with("HTTP/1.1 503 ")) && t0.elapsed() < Duration::from_secs(5),
        "{a:?} after {:?}",
        t0.elapsed()
    );
    let refused = idle
        .iter_mut()
        .map(|s| {
            s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).unwrap_or(0);
            buf[..n].starts_with(b"HTTP/1.1 503 ")
        })
        .filter(|&refused| refused)
        .count();
    // Those past 64 (a connection just answered may not have been counted off yet).
    assert!((16..=20).contains(&refused), "{refused} of 80 idle connections refused");
    drop(idle);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(get_json(port, "/api/meta")["seed"], 7);

    // The CZML arrives: the server is ready and serves it.
    let writer = std::thread::spawn({
        let (fifo, czml) = (fifo.clone(), czml.clone());
        move || std::fs::write(fifo, czml).unwrap()
    });
    let s = wait_ready(port, 60);
    writer.join().unwrap();
    assert_eq!(s["czml"], "ready", "{s}");
    assert_eq!(
        s["satellites"].as_u64(),
        get_json(port, "/api/meta")["czml"]["satellites"].as_u64()
    );
    let (status, _, body) = get(port, "/api/run.czml");
    assert!(status == 200 && body == czml);
    drop(server);
}
