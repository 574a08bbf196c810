//! Runs one input against a target: on a worker thread, with panics caught, a wall-clock bound
//! (a slow input is reported as a hang and abandoned, never waited for), and the bytes allocated
//! while it ran counted by a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

/// Counts live and peak heap bytes of the whole process.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Live bytes past which the process stops at once (abandoned workers of hung inputs keep running,
/// and one that allocates without bound would otherwise take the machine's memory): it prints the
/// input being run, from [`set_current`], and aborts, so the test fails with what reproduces it.
const HARD_CAP: usize = 4 << 30;
/// Held by the tests that measure allocations (the counters are process-wide, so two such tests
/// running at once would see each other's allocations).
pub static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Target index + 1 and mutation number of the input being run (0: none).
static CURRENT: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

/// Records the input about to run: (seed, target index, mutation number).
pub fn set_current(seed: u64, target: usize, iteration: u64) {
    CURRENT[0].store(seed, Ordering::Relaxed);
    CURRENT[1].store(target as u64 + 1, Ordering::Relaxed);
    CURRENT[2].store(iteration, Ordering::Relaxed);
}

/// Writes `n` in decimal to stderr without allocating.
fn put(n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let _ = std::io::Write::write_all(&mut std::io::stderr(), &buf[i..]);
}

fn over_cap() -> ! {
    let w = |b: &[u8]| {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), b);
    };
    w(b"\nfuzz: live allocations passed the hard cap (4 GiB) while running seed ");
    put(CURRENT[0].load(Ordering::Relaxed));
    w(b", target index ");
    put(CURRENT[1].load(Ordering::Relaxed).saturating_sub(1));
    w(b", mutation ");
    put(CURRENT[2].load(Ordering::Relaxed));
    w(b" (or a hung input abandoned before it); rerun with SENTINEL_FUZZ_SEED and SENTINEL_FUZZ_ITERS\n");
    std::process::abort();
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if LIVE.load(Ordering::Relaxed).saturating_add(layout.size()) > HARD_CAP {
            over_cap();
        }
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() && LIVE.load(Ordering::Relaxed).saturating_add(new_size - layout.size()) > HARD_CAP
        {
            over_cap();
        }
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// While set, panics are recorded quietly instead of printed.
static QUIET: AtomicBool = AtomicBool::new(false);
/// The last panic's message and location.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// What a target says about an input it handled without panicking.
pub type TargetResult = Result<Vec<String>, String>;

/// How one execution ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Handled; the strings are its feedback signals (normalised diagnostics, event kinds).
    Ok(Vec<String>),
    /// A target check failed (error output too large, a span outside its file, ...).
    Check(String),
    /// It panicked: message and location.
    Panic(String),
    /// It ran longer than the time bound (abandoned).
    Hang(Duration),
    /// It allocated more than the memory bound at its peak.
    Memory(usize),
}

impl Verdict {
    /// The finding's kind, for file names and tallies; `None` when it is no finding.
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            Verdict::Ok(_) => None,
            Verdict::Check(_) => Some("check"),
            Verdict::Panic(_) => Some("panic"),
            Verdict::Hang(_) => Some("hang"),
            Verdict::Memory(_) => Some("memory"),
        }
    }
}

type Job = Box<dyn FnOnce() -> TargetResult + Send>;

/// A worker thread fed one job at a time. A hung worker is abandoned and replaced.
pub struct Runner {
    jobs: Sender<Job>,
    done: Receiver<(std::thread::Result<TargetResult>, usize)>,
    /// Wall-clock bound per input.
    pub timeout: Duration,
    /// Peak-allocation bound per input, bytes.
    pub memory_bytes: usize,
    /// Workers abandoned so far (each may still be running its input).
    pub abandoned: usize,
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.load(Ordering::Relaxed) {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".into());
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{msg} at {at}"));
            } else {
                default(info);
            }
        }));
    });
}

/// Sets whether panics are recorded quietly (while fuzzing) or printed (the test's own asserts).
pub fn quiet_panics(on: bool) {
    install_hook();
    QUIET.store(on, Ordering::Relaxed);
}

fn spawn_worker() -> (Sender<Job>, Receiver<(std::thread::Result<TargetResult>, usize)>) {
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("fuzz-worker".into())
        .stack_size(8 << 20)
        .spawn(move || {
            for job in jobs_rx {
                let base = LIVE.load(Ordering::Relaxed);
                PEAK.store(base, Ordering::Relaxed);
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
                if done_tx.send((r, peak)).is_err() {
                    break;
                }
            }
        })
        .expect("spawn fuzz worker");
    (jobs_tx, done_rx)
}

impl Runner {
    /// A runner with the given bounds.
    pub fn new(timeout: Duration, memory_bytes: usize) -> Runner {
        install_hook();
        let (jobs, done) = spawn_worker();
        Runner {
            jobs,
            done,
            timeout,
            memory_bytes,
            abandoned: 0,
        }
    }

    /// Runs `job` and classifies how it ended.
    pub fn run(&mut self, job: Job) -> Verdict {
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let start = Instant::now();
        self.jobs.send(job).expect("fuzz worker is alive");
        match self.done.recv_timeout(self.timeout) {
            Ok((Ok(r), peak)) if peak > self.memory_bytes => {
                drop(r);
                Verdict::Memory(peak)
            }
            Ok((Ok(Ok(signals)), _)) => Verdict::Ok(signals),
            Ok((Ok(Err(check)), _)) => Verdict::Check(check),
            Ok((Err(_), _)) => {
                let msg = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
                Verdict::Panic(msg.unwrap_or_else(|| "panic (message not captured)".into()))
            }
            Err(RecvTimeoutError::Timeout) => {
                (self.jobs, self.done) = spawn_worker();
                self.abandoned += 1;
                Verdict::Hang(start.elapsed())
            }
            Err(RecvTimeoutError::Disconnected) => {
                (self.jobs, self.done) = spawn_worker();
                Verdict::Panic("the fuzz worker died".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_panics_hangs_memory_and_checks() {
        let _serial = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
        let mut r = Runner::new(Duration::from_millis(2000), 32 << 20);
        assert_eq!(r.run(Box::new(|| Ok(vec!["s".into()]))), Verdict::Ok(vec!["s".into()]));
        assert_eq!(r.run(Box::new(|| Err("bad".into()))), Verdict::Check("bad".into()));
        assert!(matches!(r.run(Box::new(|| panic!("boom"))), Verdict::Panic(_)));
        let v = r.run(Box::new(|| {
            std::thread::sleep(Duration::from_millis(6000));
            Ok(vec![])
        }));
        assert!(matches!(v, Verdict::Hang(_)), "{v:?}");
        assert_eq!(r.abandoned, 1);
        let v = r.run(Box::new(|| Ok(vec![format!("{}", vec![1u8; 64 << 20].len())])));
        assert!(matches!(v, Verdict::Memory(n) if n >= 64 << 20), "{v:?}");
        // The replacement worker still runs inputs.
        assert_eq!(r.run(Box::new(|| Ok(vec![]))), Verdict::Ok(vec![]));
    }
}
