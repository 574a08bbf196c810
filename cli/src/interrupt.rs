//! Stopping cleanly on SIGINT (Ctrl-C) and SIGTERM, and quietly on a closed pipe.
//!
//! Commands that write a run (`run`, `fork`, `batch`) call [`install`]: the first SIGINT or SIGTERM
//! then only sets a flag, which the tick loop polls ([`requested`]); the command stops at the end
//! of the tick, joins its writer, removes its staging directory and returns [`Interrupted`], which
//! `main` turns into one line and exit code 128 + signal (130, 143). A second signal while it cleans
//! up ends the process at once with the same code. Every other command keeps the default action.
//!
//! Standard output to a closed pipe (`sentinel verify RUN | head -1`) ends the process silently
//! with SIGPIPE, as other command-line tools do, instead of a panic in `println!` ([`default_sigpipe`];
//! every command but `view`, whose server must outlive a browser closing a connection).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

/// The flags the handlers set.
struct Flags {
    /// Set by the first SIGINT or SIGTERM.
    any: Arc<AtomicBool>,
    /// Which signal it was.
    which: Arc<AtomicUsize>,
}

static FLAGS: OnceLock<Flags> = OnceLock::new();

/// A command stopped by a signal after cleaning up.
#[derive(Debug, Clone, Copy)]
pub struct Interrupted {
    /// The signal number.
    pub signal: i32,
}

impl Interrupted {
    /// The process exit code: 128 + the signal number.
    pub fn exit_code(self) -> u8 {
        (128 + self.signal).clamp(0, 255) as u8
    }

    fn name(self) -> &'static str {
        match self.signal {
            SIGINT => "SIGINT",
            SIGTERM => "SIGTERM",
            _ => "a signal",
        }
    }
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted by {}: stopped cleanly; the unfinished output was removed",
            self.name()
        )
    }
}

impl std::error::Error for Interrupted {}

/// Catches SIGINT and SIGTERM from now on (idempotent).
pub fn install() -> anyhow::Result<()> {
    if FLAGS.get().is_some() {
        return Ok(());
    }
    let flags = Flags {
        any: Arc::new(AtomicBool::new(false)),
        which: Arc::new(AtomicUsize::new(0)),
    };
    for sig in [SIGINT, SIGTERM] {
        // Registered first, so it sees the flag as the previous signal left it: a second signal exits.
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&flags.any))?;
        signal_hook::flag::register_usize(sig, Arc::clone(&flags.which), sig as usize)?;
        signal_hook::flag::register(sig, Arc::clone(&flags.any))?;
    }
    let _ = FLAGS.set(flags);
    Ok(())
}

/// The signal received since [`install`], if any.
pub fn requested() -> Option<Interrupted> {
    let f = FLAGS.get()?;
    f.any.load(Ordering::SeqCst).then(|| Interrupted {
        signal: f.which.load(Ordering::SeqCst) as i32,
    })
}

/// `Err(Interrupted)` once a signal was received.
pub fn check() -> anyhow::Result<()> {
    match requested() {
        Some(i) => Err(i.into()),
        None => Ok(()),
    }
}

/// Restores the default action of SIGPIPE (Rust ignores it, so a write to a closed pipe returns an
/// error and `println!` panics): the process then ends quietly when its reader goes away.
pub fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_DFL at start-up, before any other thread exists,
    // has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
