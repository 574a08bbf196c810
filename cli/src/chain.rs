//! The per-tick hash chain of a log (`ticks.sha256`): `H(t) = SHA-256(H(t-1) || SHA-256(lines of
//! tick t))`, with `H(-1)` = 32 zero bytes. One line per tick, `TICK HEX`, so a replay or a diff can
//! name the first tick that differs without holding either log in memory, and the last line is a
//! digest of the whole log tick by tick.

use std::io::{BufRead, Read};

use sha2::{Digest, Sha256};

use crate::loader::hex;

/// Builds the chain tick by tick.
#[derive(Default)]
pub struct Chain {
    head: [u8; 32],
    /// Chain value after each tick, in tick order.
    pub heads: Vec<[u8; 32]>,
}

impl Chain {
    /// Adds the next tick's log bytes.
    pub fn push(&mut self, tick_bytes: &[u8]) {
        let tick: [u8; 32] = Sha256::digest(tick_bytes).into();
        let mut h = Sha256::new();
        h.update(self.head);
        h.update(tick);
        self.head = h.finalize().into();
        self.heads.push(self.head);
    }

    /// The file's text.
    pub fn text(&self) -> String {
        self.heads
            .iter()
            .enumerate()
            .map(|(t, h)| format!("{t} {}\n", hex(h)))
            .collect()
    }

    /// The final chain value, hex.
    pub fn head_hex(&self) -> String {
        hex(&self.head)
    }
}

/// Reads a `ticks.sha256` file's chain values.
pub fn read(mut r: impl BufRead) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut bytes = Vec::new();
    for i in 0.. {
        // A chain line is at most 86 bytes (`TICK HEX`); a longer one is damage, never read whole.
        bytes.clear();
        if Read::take(&mut r, 128).read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        let line = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|l| l.strip_suffix('\n'))
            .ok_or_else(|| anyhow::anyhow!("ticks.sha256:{}: not a `TICK HEX` line", i + 1))?;
        let (t, h) = line
            .split_once(' ')
            .ok_or_else(|| anyhow::anyhow!("ticks.sha256:{}: not `TICK HEX`", i + 1))?;
        if t.parse::<usize>().ok() != Some(i) || h.len() != 64 {
            anyhow::bail!("ticks.sha256:{}: expected tick {i} and a SHA-256", i + 1);
        }
        out.push(h.to_string());
    }
    Ok(out)
}

/// The tick of a log line (`{"tick":N,...`), without parsing the rest.
pub fn tick_of(line: &[u8]) -> Option<u64> {
    let rest = line.strip_prefix(b"{\"tick\":")?;
    let end = rest.iter().position(|b| !b.is_ascii_digit())?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// Longest line of an event log, bytes (events are well under 1 kB); a longer one is an error, so
/// that a damaged log without newlines is never read into memory whole.
pub const MAX_LINE_BYTES: u64 = 1 << 20;

/// Reads a log (ordered by tick) one tick at a time.
pub struct TickReader<R> {
    r: R,
    buf: Vec<u8>,
    pending: Option<(u64, Vec<u8>)>,
    line: Vec<u8>,
    /// Lines read so far.
    pub lines: u64,
    /// SHA-256 of the lines read so far, when asked for ([`TickReader::hashing`]).
    sha: Option<Sha256>,
}

impl<R: BufRead> TickReader<R> {
    /// Starts at the beginning of a log.
    pub fn new(r: R) -> Self {
        TickReader {
            r,
            buf: Vec::new(),
            pending: None,
            line: Vec::new(),
            lines: 0,
            sha: None,
        }
    }

    /// Like [`TickReader::new`], also hashing every line read, for [`TickReader::check_against`].
    pub fn hashing(r: R) -> Self {
        TickReader {
            sha: Some(Sha256::new()),
            ..TickReader::new(r)
        }
    }

    /// Checks the lines read (all of the log: call when [`TickReader::has_more`] is false) against
    /// a manifest's `events` entry; the error names `name` and what differs.
    pub fn check_against(&mut self, entry: &crate::manifest::OutputFile, name: &str) -> anyhow::Result<()> {
        let sha = hex(&self.sha.take().expect("made with TickReader::hashing").finalize());
        if entry.sha256 != sha || entry.lines != self.lines {
            anyhow::bail!(
                "{name}: SHA-256 {sha} ({} lines) differs from its run's manifest ({:?}, {} lines): the log was modified; `sentinel verify` checks a run",
                self.lines,
                entry.sha256,
                entry.lines
            );
        }
        Ok(())
    }

    /// The bytes of tick `t`'s lines (empty when it has none). Ticks must be asked in increasing order.
    pub fn tick(&mut self, t: u64) -> anyhow::Result<&[u8]> {
        self.buf.clear();
        if let Some((pt, l)) = self.pending.take() {
            if pt > t {
                self.pending = Some((pt, l));
                return Ok(&self.buf);
            }
            if pt < t {
                anyhow::bail!("the log has lines for tick {pt} after tick {t} was read");
            }
            self.buf.extend_from_slice(&l);
        }
        loop {
            self.line.clear();
            if <&mut R as Read>::take(&mut self.r, MAX_LINE_BYTES).read_until(b'\n', &mut self.line)? == 0 {
                break;
            }
            self.lines += 1;
            if let Some(sha) = &mut self.sha {
                sha.update(&self.line);
            }
            if self.line.last() != Some(&b'\n') {
                anyhow::bail!(
                    "line {} is cut: {}",
                    self.lines,
                    if self.line.len() as u64 >= MAX_LINE_BYTES {
                        format!("longer than {MAX_LINE_BYTES} bytes, no event is")
                    } else {
                        "it has no newline at its end (the log is truncated)".to_string()
                    }
                );
            }
            let lt = tick_of(&self.line)
                .ok_or_else(|| anyhow::anyhow!("line {} does not start with its tick", self.lines))?;
            if lt == t {
                self.buf.extend_from_slice(&self.line);
            } else if lt > t {
                self.pending = Some((lt, self.line.clone()));
                break;
            } else {
                anyhow::bail!(
                    "line {}: the log is out of tick order (tick {lt} after {t})",
                    self.lines
                );
            }
        }
        Ok(&self.buf)
    }

    /// Whether lines remain after the last tick read.
    pub fn has_more(&mut self) -> anyhow::Result<bool> {
        Ok(self.pending.is_some() || !self.r.fill_buf()?.is_empty())
    }
}
