//! `sentinel view RUN_DIR`: a local web page that plays a run on an offline CesiumJS globe.
//!
//! A small HTTP server ([`crate::http`]: GET/HEAD only, bounded connections, header and write
//! deadlines; bound to 127.0.0.1 unless `--bind` says otherwise) listens at once and serves the
//! page (`viewer/index.html`, `app.js`, `style.css`, embedded in the binary), the CesiumJS build
//! from `viewer/node_modules` under `/cesium/`, and the run: `/api/status` (the CZML build's
//! progress), `/api/run.czml` (made once, on a background thread, by
//! [`crate::export::czml::write`]; `503` with the progress until it is ready), `/api/meta` and
//! `/api/events` (a window of the event log, read from disk on every request: a log can be
//! gigabytes, so it is never held in memory; the first line of a tick is found by binary search
//! over byte offsets, since the log is ordered by tick).

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use sentinel_engine::EventKind;
use serde_json::{Value, json};

use crate::chain::tick_of;
use crate::export::czml::{self, CzmlStats};
use crate::http::{Body, Limits, Request, Response};

/// Arguments of `sentinel view`.
#[derive(Args, Debug)]
pub struct ViewArgs {
    /// A run directory written by `sentinel run`.
    pub run_dir: PathBuf,
    /// TCP port (0: any free port; the URL printed names it).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address exposes the run to the network.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Show NATION's view: its sensors, its detections, the objects it detected, and its view log
    /// (views/NATION.jsonl) when the run wrote one.
    #[arg(long, value_name = "NATION")]
    pub view: Option<String>,
    /// The CesiumJS build directory (holding Cesium.js); default: $SENTINEL_CESIUM, else
    /// viewer/node_modules/cesium/Build/Cesium of the source tree the binary was built from.
    #[arg(long, value_name = "DIR")]
    pub cesium: Option<PathBuf>,
    /// Serve this CZML file (from `sentinel export --format czml`) instead of generating one.
    #[arg(long, value_name = "FILE")]
    pub czml: Option<PathBuf>,
    /// Which objects the globe shows, how often they are sampled, and how the run's truth is
    /// rebuilt (ignored with --czml).
    #[command(flatten)]
    pub truth: crate::export::TruthArgs,
    /// Open the page in the desktop's browser (xdg-open).
    #[arg(long)]
    pub open: bool,
}

const INDEX_HTML: &str = include_str!("../../viewer/index.html");
const APP_JS: &str = include_str!("../../viewer/app.js");
const STYLE_CSS: &str = include_str!("../../viewer/style.css");

/// Event kinds left out of the event list unless asked for by name: there are millions of them.
pub const ROUTINE_KINDS: [EventKind; 4] = [
    EventKind::AccessStart,
    EventKind::AccessEnd,
    EventKind::Detection,
    EventKind::Missed,
];

/// Most events one `/api/events` answer holds.
const MAX_LIMIT: usize = 10_000;
/// Events one `/api/events` answer holds unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 500;
/// Log bytes one `/api/events` request reads at most (the answer says where it stopped).
const SCAN_BUDGET: u64 = 64 << 20;

/// The run's CZML document: being built, built, or failed.
enum Czml {
    /// Being built since this instant.
    Building(Instant),
    /// Built: the document, its counts, and how long it took.
    Ready(Arc<Vec<u8>>, CzmlStats, f64),
    /// Failed, with the reason.
    Failed(String),
}

/// What the server holds.
struct State {
    czml: RwLock<Czml>,
    /// Ticks re-simulated so far while the CZML is built.
    ticks_done: Arc<AtomicU64>,
    /// Ticks of the run.
    ticks: u64,
    /// `/api/meta` without its `czml` member.
    meta: Value,
    events: PathBuf,
    /// The nations `/api/events` keeps when the request names none.
    default_nations: Vec<String>,
    cesium: PathBuf,
}

impl State {
    /// `/api/status`: `{"czml": "building"|"ready"|"failed", "ticks_done", "ticks", "elapsed_s",
    /// "error"?, "satellites"?, "sensors"?, "detections"?, "bytes"?}`.
    fn status(&self) -> Value {
        let mut v = json!({
            "ticks": self.ticks,
            "ticks_done": self.ticks_done.load(Ordering::Relaxed).min(self.ticks),
        });
        match &*self.czml.read().expect("not poisoned") {
            Czml::Building(t) => {
                v["czml"] = "building".into();
                v["elapsed_s"] = ((t.elapsed().as_secs_f64() * 10.0).round() / 10.0).into();
            }
            Czml::Ready(bytes, stats, secs) => {
                v["czml"] = "ready".into();
                v["elapsed_s"] = (*secs).into();
                v["ticks_done"] = self.ticks.into();
                v["satellites"] = stats.satellites.into();
                v["sensors"] = stats.sensors.into();
                v["detections"] = stats.detections.into();
                v["bytes"] = bytes.len().into();
            }
            Czml::Failed(e) => {
                v["czml"] = "failed".into();
                v["error"] = e.clone().into();
            }
        }
        v
    }
}

/// Runs the command: checks the run, listens at once, builds the CZML on a background thread, and
/// serves until killed (Ctrl-C).
pub fn view(args: ViewArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.run_dir;
    let manifest = crate::manifest::read(dir)?;
    let cesium = cesium_dir(args.cesium.as_deref())?;
    args.truth.check()?;
    let nations = nations_of(dir);
    if let Some(v) = &args.view
        && !nations.is_empty()
        && !nations.contains(v)
    {
        bail!(
            "--view {v}: the run has no nation `{v}` (nations: {})",
            nations.join(", ")
        );
    }

    // A nation's view log when the run wrote one; else the whole log, by default only the events that
    // name the nation.
    let mut events = manifest.log_path(dir)?;
    let mut default_nations = Vec::new();
    if let Some(n) = &args.view {
        let v = dir.join("views").join(format!("{n}.jsonl"));
        if v.is_file() {
            events = v;
        } else {
            default_nations.push(n.clone());
        }
    }
    if !events.is_file() {
        bail!("{}: no event log", events.display());
    }
    let listener = TcpListener::bind((args.bind, args.port))
        .with_context(|| format!("listening on {}:{}", args.bind, args.port))?;
    let addr = listener.local_addr()?;
    let state = Arc::new(State {
        czml: RwLock::new(Czml::Building(Instant::now())),
        ticks_done: Arc::new(AtomicU64::new(0)),
        ticks: manifest.ticks,
        meta: meta(dir, &manifest, &args, &events, nations)?,
        events,
        default_nations,
        cesium,
    });
    let url = format!("http://{addr}/");
    println!(
        "sentinel: viewing `{}` (seed {}) at {url} (Ctrl-C stops it)",
        state.meta["scenario"].as_str().unwrap_or("?"),
        state.meta["seed"]
    );
    if !args.bind.is_loopback() {
        eprintln!(
            "sentinel: warning: listening on {}, reachable from other machines",
            args.bind
        );
    }
    {
        let state = Arc::clone(&state);
        let (dir, czml_file) = (dir.clone(), args.czml.clone());
        let mut opts = args.truth.czml(args.view.clone());
        opts.progress = Some(Arc::clone(&state.ticks_done));
        std::thread::spawn(move || build_czml(&state, &dir, czml_file.as_deref(), &opts));
    }
    if args.open {
        open_browser(&url);
    }
    let server_state = Arc::clone(&state);
    crate::http::serve(listener, Limits::default(), move |req| handle(&server_state, req));
    Ok(ExitCode::SUCCESS)
}

/// Makes (or reads, with `--czml`) the run's CZML document and stores it in `state`.
fn build_czml(state: &State, dir: &Path, file: Option<&Path>, opts: &czml::CzmlOptions) {
    let started = Instant::now();
    let made = match file {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("reading {}", path.display()))
            .and_then(|bytes| {
                let stats =
                    count_packets(&bytes).with_context(|| format!("{}: not a CZML document", path.display()))?;
                Ok((bytes, stats))
            }),
        None => {
            let mut out = Vec::new();
            czml::write(dir, opts, &mut out)
                .context("making the run's CZML")
                .map(|stats| (out, stats))
        }
    };
    let secs = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    let next = match made {
        Ok((bytes, stats)) => {
            eprintln!(
                "sentinel: CZML ready: {} satellites, {} sensors, {} detections ({:.1} MB, {secs:.1} s)",
                stats.satellites,
                stats.sensors,
                stats.detections,
                bytes.len() as f64 / 1e6,
            );
            Czml::Ready(Arc::new(bytes), stats, secs)
        }
        Err(e) => {
            eprintln!("sentinel: error: {e:#} (the page shows it; the event list is still served)");
            Czml::Failed(format!("{e:#}"))
        }
    };
    *state.czml.write().expect("not poisoned") = next;
}

/// The CesiumJS build directory: `--cesium`, `$SENTINEL_CESIUM`, or the source tree's.
fn cesium_dir(arg: Option<&Path>) -> anyhow::Result<PathBuf> {
    let (dir, from) = match (arg, std::env::var_os("SENTINEL_CESIUM")) {
        (Some(d), _) => (d.to_path_buf(), "--cesium"),
        (None, Some(d)) => (PathBuf::from(d), "SENTINEL_CESIUM"),
        (None, None) => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../viewer/node_modules/cesium/Build/Cesium"),
            "the default",
        ),
    };
    if !dir.join("Cesium.js").is_file() {
        bail!(
            "CesiumJS is not at {} ({from}; no Cesium.js there): install it with `bash tests/tools/setup.sh` \
             (npm ci --prefix viewer), or name a Cesium build directory with --cesium DIR or SENTINEL_CESIUM",
            dir.display()
        );
    }
    dir.canonicalize().with_context(|| format!("{}", dir.display()))
}

/// Entity counts of a CZML document (by id: `sat/`, `sensor/`, `det/`).
fn count_packets(bytes: &[u8]) -> anyhow::Result<CzmlStats> {
    let doc: Vec<Value> = serde_json::from_slice(bytes)?;
    let mut stats = CzmlStats::default();
    for p in &doc {
        let id = p["id"].as_str().unwrap_or("");
        if id.starts_with("sat/") {
            stats.satellites += 1;
        } else if id.starts_with("sensor/") {
            stats.sensors += 1;
        } else if id.starts_with("det/") {
            stats.detections += 1;
        }
    }
    Ok(stats)
}

/// Nation ids, in the order of nations.json (sorted); an older run without it has none.
fn nations_of(dir: &Path) -> Vec<String> {
    match crate::loader::read_capped(&dir.join("nations.json"), sentinel_engine::limits::MAX_MANIFEST_BYTES) {
        Ok(b) => match serde_json::from_slice::<BTreeMap<String, Value>>(&b) {
            Ok(m) => m.into_keys().collect(),
            Err(_) => Vec::new(),
        },
        Err(_) => Vec::new(),
    }
}

/// The `/api/meta` document, without its `czml` member (added when the CZML is ready).
fn meta(
    dir: &Path,
    manifest: &crate::manifest::Manifest,
    args: &ViewArgs,
    events: &Path,
    nations: Vec<String>,
) -> anyhow::Result<Value> {
    let events_bytes = std::fs::metadata(events)?.len();
    Ok(json!({
        "scenario": manifest.scenario,
        "seed": manifest.seed,
        "epoch": manifest.epoch,
        "tick_s": manifest.tick_s,
        "ticks": manifest.ticks,
        "nations": nations,
        "sensors": manifest.sensors,
        "objects": manifest.objects,
        "event_counts": manifest.event_counts,
        "view": args.view,
        "events_file": events.strip_prefix(dir).unwrap_or(events).display().to_string(),
        "events_bytes": events_bytes,
        "routine_kinds": ROUTINE_KINDS,
        "czml": null,
    }))
}

fn open_browser(url: &str) {
    match std::process::Command::new("xdg-open").arg(url).spawn() {
        Ok(_) => {}
        Err(e) => eprintln!("sentinel: could not open a browser ({e}); open {url} yourself"),
    }
}

fn json_response(status: u16, body: Body) -> Response {
    Response {
        status,
        headers: vec![
            ("Content-Type", "application/json".into()),
            ("Cache-Control", "no-cache".into()),
        ],
        body,
    }
}

/// Answers one request (errors become status codes).
fn handle(state: &State, req: &Request) -> Response {
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    let page = |body: &'static str, ctype: &str| Response {
        status: 200,
        headers: vec![("Content-Type", ctype.into()), ("Cache-Control", "no-cache".into())],
        body: Body::Static(body.as_bytes()),
    };
    match path {
        "/" | "/index.html" => page(INDEX_HTML, "text/html; charset=utf-8"),
        "/app.js" => page(APP_JS, "text/javascript; charset=utf-8"),
        "/style.css" => page(STYLE_CSS, "text/css; charset=utf-8"),
        "/api/status" => json_response(200, Body::Owned(state.status().to_string().into_bytes())),
        "/api/run.czml" => match &*state.czml.read().expect("not poisoned") {
            Czml::Ready(bytes, ..) => json_response(200, Body::Shared(Arc::clone(bytes))),
            Czml::Building(_) => {
                json_response(503, Body::Owned(state.status().to_string().into_bytes())).with("Retry-After", "1")
            }
            Czml::Failed(_) => json_response(500, Body::Owned(state.status().to_string().into_bytes())),
        },
        "/api/meta" => {
            let mut meta = state.meta.clone();
            if let Czml::Ready(bytes, stats, _) = &*state.czml.read().expect("not poisoned") {
                meta["czml"] = json!({
                    "satellites": stats.satellites,
                    "sensors": stats.sensors,
                    "detections": stats.detections,
                    "bytes": bytes.len(),
                });
            }
            json_response(200, Body::Owned(meta.to_string().into_bytes()))
        }
        "/api/events" => {
            match EventQuery::parse(query, &state.default_nations).and_then(|q| query_events(&state.events, &q)) {
                Ok(body) => json_response(200, Body::Owned(body.into_bytes())),
                Err(e) => Response::text(400, format!("{e:#}")),
            }
        }
        _ => match path.strip_prefix("/cesium/") {
            Some(rel) => serve_file(&state.cesium, rel),
            None => Response::text(404, "not found"),
        },
    }
}

/// Serves a file under `root` (canonical) named by the URL path `rel`, refusing any path that
/// leaves it.
fn serve_file(root: &Path, rel: &str) -> Response {
    let Some(rel) = safe_relative(rel) else {
        return Response::text(400, "bad path");
    };
    let path = root.join(&rel);
    // Symbolic links inside the tree could still lead out of it.
    let file = match path.canonicalize() {
        Ok(p) if p.starts_with(root) && p.is_file() => File::open(&p).and_then(|f| {
            let len = f.metadata()?.len();
            Ok((f, len))
        }),
        _ => return Response::text(404, "not found"),
    };
    match file {
        Ok((f, len)) => Response {
            status: 200,
            headers: vec![
                ("Content-Type", content_type(&rel).into()),
                ("Cache-Control", "max-age=3600".into()),
            ],
            body: Body::File(f, len),
        },
        Err(_) => Response::text(404, "not found"),
    }
}

/// A URL path (percent-encoded) as a relative file path of plain names, or `None` when it is not
/// one: `..`, `.`, empty or hidden segments, backslashes, NUL, or bytes that are not UTF-8.
fn safe_relative(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    if decoded.is_empty() || decoded.contains(['\\', '\0', ':']) {
        return None;
    }
    let mut out = PathBuf::new();
    for seg in decoded.split('/') {
        if seg.is_empty() || seg.starts_with('.') {
            return None;
        }
        out.push(seg);
    }
    Some(out)
}

/// Decodes `%XX` escapes; `None` for a malformed escape or text that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A query-string value: percent escapes and `+` for space.
fn query_decode(s: &str) -> Option<String> {
    percent_decode(&s.replace('+', " "))
}

/// The MIME type of a file name.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "czml" | "geojson" | "topojson" => "application/json",
        "xml" => "application/xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "ktx2" => "image/ktx2",
        "wasm" => "application/wasm",
        "glb" => "model/gltf-binary",
        "gltf" => "model/gltf+json",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Which kinds `/api/events` returns.
#[derive(Debug, PartialEq)]
enum Kinds {
    /// Everything.
    All,
    /// The non-routine kinds, plus these (by name, routine or not).
    Default(Vec<String>),
    /// Only these.
    Only(Vec<String>),
}

impl Kinds {
    fn matches(&self, kind: &str) -> bool {
        match self {
            Kinds::All => true,
            Kinds::Default(extra) => {
                !ROUTINE_KINDS.iter().any(|k| k.as_str() == kind) || extra.iter().any(|k| k == kind)
            }
            Kinds::Only(only) => only.iter().any(|k| k == kind),
        }
    }
}

/// The parameters of `/api/events`.
#[derive(Debug, PartialEq)]
struct EventQuery {
    from_tick: u64,
    /// Inclusive.
    to_tick: u64,
    /// Events that involve any of these nations (empty: all).
    nations: Vec<String>,
    kinds: Kinds,
    limit: usize,
    /// The last `limit` matching events of the window rather than the first.
    last: bool,
}

impl EventQuery {
    /// `from_tick`, `to_tick` (inclusive), `nation` (comma-separated), `kinds` (comma-separated;
    /// `default` stands for every non-routine kind, `all` for every kind; default `default`),
    /// `limit` and `last` (`1`: the last `limit` events of the window, not the first).
    fn parse(query: &str, default_nations: &[String]) -> anyhow::Result<Self> {
        let mut q = EventQuery {
            from_tick: 0,
            to_tick: u64::MAX,
            nations: default_nations.to_vec(),
            kinds: Kinds::Default(Vec::new()),
            limit: DEFAULT_LIMIT,
            last: false,
        };
        let list = |v: &str| -> Vec<String> {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = query_decode(v).ok_or_else(|| anyhow::anyhow!("{k}: bad percent escape"))?;
            let num = |v: &str| -> anyhow::Result<u64> {
                v.parse()
                    .map_err(|_| anyhow::anyhow!("{k} must be a whole number, not {v:?}"))
            };
            match k {
                "from_tick" => q.from_tick = num(&v)?,
                "to_tick" => q.to_tick = num(&v)?,
                "limit" => q.limit = usize::try_from(num(&v)?).unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
                "last" => q.last = matches!(v.as_str(), "1" | "true" | ""),
                "nation" => q.nations = list(&v),
                "kinds" => {
                    let ks = list(&v);
                    q.kinds = if ks.iter().any(|k| k == "all") {
                        Kinds::All
                    } else if ks.iter().any(|k| k == "default") || ks.is_empty() {
                        Kinds::Default(ks.into_iter().filter(|k| k != "default").collect())
                    } else {
                        Kinds::Only(ks)
                    };
                }
                _ => bail!("unknown parameter {k:?} (from_tick, to_tick, nation, kinds, limit, last)"),
            }
        }
        Ok(q)
    }
}

/// The `"kind"` of a log line, without parsing it.
fn kind_of(line: &str) -> Option<&str> {
    let rest = &line[line.find("\"kind\":\"")? + 8..];
    Some(&rest[..rest.find('"')?])
}

/// Whether an event involves one of `nations` (see [`sentinel_engine::Event::involves`]).
fn involves(line: &str, nations: &[String]) -> anyhow::Result<bool> {
    let event = sentinel_engine::parse_line(line)?.event;
    Ok(nations.iter().any(|n| event.involves(n)))
}

/// The byte offset of the first line at or after `pos` (a line start) and that line's tick
/// (`None` at the end of the file).
fn line_at(f: &mut File, len: u64, pos: u64) -> anyhow::Result<(u64, Option<u64>)> {
    let mut start = pos;
    let mut line = Vec::new();
    if pos > 0 {
        f.seek(SeekFrom::Start(pos - 1))?;
        let mut r = BufReader::with_capacity(4096, &mut *f);
        let n = r.read_until(b'\n', &mut line)?;
        start = pos - 1 + n as u64;
        if line.last() != Some(&b'\n') {
            return Ok((len, None));
        }
    }
    if start >= len {
        return Ok((len, None));
    }
    f.seek(SeekFrom::Start(start))?;
    line.clear();
    BufReader::with_capacity(4096, &mut *f)
        .take(4096)
        .read_until(b'\n', &mut line)?;
    let tick =
        tick_of(&line).ok_or_else(|| anyhow::anyhow!("byte {start}: a log line does not start with its tick"))?;
    Ok((start, Some(tick)))
}

/// The byte offset of the first line whose tick is `tick` or later (binary search: the log is
/// ordered by tick).
fn seek_tick(f: &mut File, tick: u64) -> anyhow::Result<u64> {
    let len = f.metadata()?.len();
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match line_at(f, len, mid)?.1 {
            Some(t) if t < tick => lo = mid + 1,
            _ => hi = mid,
        }
    }
    Ok(line_at(f, len, lo)?.0)
}

/// The `/api/events` answer: `{from_tick, to_tick, count, truncated, next_tick, events: [...]}`.
/// Reading forward, when `limit` events were found or the scan budget was spent, `truncated` is true
/// and `next_tick` is the tick it stopped in. With `last`, the answer holds the last `limit` events
/// of the window (of its last [`SCAN_BUDGET`] bytes), and `truncated` says that earlier ones were
/// left out.
fn query_events(path: &Path, q: &EventQuery) -> anyhow::Result<String> {
    let mut f = File::open(path).with_context(|| format!("{}", path.display()))?;
    let len = f.metadata()?.len();
    let mut start = seek_tick(&mut f, q.from_tick)?;
    let mut truncated = false;
    if q.last {
        let end = match q.to_tick.checked_add(1) {
            Some(t) => seek_tick(&mut f, t)?,
            None => len,
        };
        if end.saturating_sub(start) > SCAN_BUDGET {
            start = line_at(&mut f, len, end - SCAN_BUDGET)?.0;
            truncated = true;
        }
    }
    f.seek(SeekFrom::Start(start))?;
    let mut r = BufReader::with_capacity(256 << 10, f);
    let mut found: VecDeque<String> = VecDeque::new();
    let (mut scanned, mut next_tick) = (0u64, None);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        let Some(tick) = tick_of(&line) else {
            bail!("a log line does not start with its tick");
        };
        if tick > q.to_tick {
            break;
        }
        if !q.last && (found.len() == q.limit || scanned >= SCAN_BUDGET) {
            next_tick = Some(tick);
            truncated = true;
            break;
        }
        scanned += n as u64;
        let text = std::str::from_utf8(&line)?.trim_end();
        if !kind_of(text).is_some_and(|k| q.kinds.matches(k)) {
            continue;
        }
        if !q.nations.is_empty() && !involves(text, &q.nations)? {
            continue;
        }
        if q.last && found.len() == q.limit {
            found.pop_front();
            truncated = true;
        }
        if q.limit > 0 {
            found.push_back(text.to_string());
        }
    }
    let events: Vec<&str> = found.iter().map(String::as_str).collect();
    Ok(format!(
        "{{\"from_tick\":{},\"to_tick\":{},\"count\":{},\"truncated\":{truncated},\"next_tick\":{},\"events\":[{}]}}",
        q.from_tick,
        if q.to_tick == u64::MAX {
            Value::Null
        } else {
            q.to_tick.into()
        },
        events.len(),
        next_tick.map_or(Value::Null, Value::from),
        events.join(","),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn paths_that_leave_the_root_are_refused() {
        for bad in [
            "",
            "..",
            "../Cargo.toml",
            "Widgets/../../x",
            "%2e%2e/x",
            "%2E%2E%2Fx",
            "a/%2e%2e%2f%2e%2e/x",
            "a//b",
            "/etc/passwd",
            "%2fetc/passwd",
            "a\\..\\b",
            "a%5c..%5cb",
            ".hidden",
            "a/./b",
            "a%00b",
            "C:/x",
            "%zz",
            "%ff",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad:?}");
        }
        assert_eq!(
            safe_relative("Widgets/widgets.css"),
            Some(PathBuf::from("Widgets/widgets.css"))
        );
        assert_eq!(safe_relative("a%20b.js"), Some(PathBuf::from("a b.js")));
        assert_eq!(content_type(Path::new("Assets/x/0/0/0.jpg")), "image/jpeg");
        assert_eq!(content_type(Path::new("Cesium.js")), "text/javascript; charset=utf-8");
    }

    #[test]
    fn queries_parse() {
        let q = EventQuery::parse(
            "from_tick=5&to_tick=9&nation=JPN,USA&kinds=default,detection&limit=3",
            &[],
        )
        .unwrap();
        assert_eq!(
            q,
            EventQuery {
                from_tick: 5,
                to_tick: 9,
                nations: vec!["JPN".into(), "USA".into()],
                kinds: Kinds::Default(vec!["detection".into()]),
                limit: 3,
                last: false,
            }
        );
        assert!(q.kinds.matches("track") && q.kinds.matches("detection") && !q.kinds.matches("missed"));
        let q = EventQuery::parse("kinds=track%2Cmissed", &[]).unwrap();
        assert!(q.kinds.matches("missed") && !q.kinds.matches("custody"));
        assert_eq!(EventQuery::parse("kinds=all", &[]).unwrap().kinds, Kinds::All);
        assert_eq!(EventQuery::parse("limit=99999999", &[]).unwrap().limit, MAX_LIMIT);
        assert!(EventQuery::parse("from_tick=x", &[]).is_err());
        assert!(EventQuery::parse("bogus=1", &[]).is_err());
    }

    #[test]
    fn a_window_of_the_log_is_found_by_tick() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        // Events of four kinds (JPN's, USA's, JPN's, USA's), padded to vary line lengths.
        let bodies = [
            r#""kind":"access_start","sensor":"S","nation":"JPN","object":1"#,
            r#""kind":"track","product":1,"sensor":"S","nation":"USA","first_tick":0,"last_tick":0,"detections":1,"measured":{"az_deg":1.0,"el_deg":2.0}"#,
            r#""kind":"detection","sensor":"S","nation":"JPN","sensor_type":"radar","measured":{"az_deg":1.0,"el_deg":2.0}"#,
            r#""kind":"custody","scope":"nation","id":"USA","known_total":0,"in_custody_total":0,"known":{},"in_custody":{}"#,
        ];
        for t in [0u64, 0, 2, 2, 2, 5, 7, 7, 12] {
            for body in bodies {
                writeln!(
                    f,
                    r#"{{"tick":{t},"time":"x",{body},"pad":"{}"}}"#,
                    "z".repeat(t as usize * 7 % 13)
                )
                .unwrap();
            }
        }
        f.flush().unwrap();
        let ticks = |body: &str| -> Vec<(u64, String)> {
            let v: Value = serde_json::from_str(body).unwrap();
            v["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["tick"].as_u64().unwrap(), e["kind"].as_str().unwrap().to_string()))
                .collect()
        };
        let all = |from, to| {
            let q = EventQuery::parse(&format!("from_tick={from}&to_tick={to}&kinds=all&limit=1000"), &[]).unwrap();
            ticks(&query_events(f.path(), &q).unwrap())
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>()
        };
        assert_eq!(all(0, 0).len(), 8);
        assert_eq!(all(1, 4), vec![2; 12]);
        assert_eq!(all(3, 6), vec![5; 4]);
        assert_eq!(all(8, 11), Vec::<u64>::new());
        assert_eq!(all(12, 100).len(), 4);
        assert_eq!(all(13, 100), Vec::<u64>::new());
        // Default kinds leave out routine ones; nations and limits apply.
        let q = EventQuery::parse("from_tick=2&to_tick=5&nation=USA&limit=3", &[]).unwrap();
        let body = query_events(f.path(), &q).unwrap();
        assert_eq!(
            ticks(&body),
            vec![(2, "track".into()), (2, "custody".into()), (2, "track".into())]
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (v["truncated"].as_bool(), v["next_tick"].as_u64()),
            (Some(true), Some(2))
        );
        let q = EventQuery::parse("from_tick=7&nation=JPN", &[]).unwrap();
        let body = query_events(f.path(), &q).unwrap();
        assert_eq!(ticks(&body), Vec::<(u64, String)>::new());
        let q = EventQuery::parse("from_tick=7&nation=JPN&kinds=default,detection", &[]).unwrap();
        assert_eq!(
            ticks(&query_events(f.path(), &q).unwrap()),
            vec![(7, "detection".to_string()); 2]
                .into_iter()
                .chain([(12, "detection".to_string())])
                .collect::<Vec<_>>()
        );
        // The last events of a window.
        let q = EventQuery::parse("from_tick=0&to_tick=7&kinds=track&last=1&limit=2", &[]).unwrap();
        let body = query_events(f.path(), &q).unwrap();
        assert_eq!(ticks(&body), vec![(7, "track".into()); 2]);
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["truncated"], true);
        let q = EventQuery::parse("from_tick=3&to_tick=6&kinds=track&last=1&limit=2", &[]).unwrap();
        let body = query_events(f.path(), &q).unwrap();
        assert_eq!(ticks(&body), vec![(5, "track".into())]);
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["truncated"], false);
    }
}
