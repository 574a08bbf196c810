//! Random streams. All randomness comes from ChaCha8 keyed by (scenario seed, purpose, stable id),
//! positioned by (object id, tick), so a draw never depends on which other entities exist, on
//! thread count, or on iteration order.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

/// Words (u32) reserved per tick in a stream; draws for one (stream, tick) never reach the next tick.
const WORDS_PER_TICK: u128 = 1 << 16;

/// A keyed family of streams for one purpose and one stable id (e.g. "detect" for sensor "US-EGLIN").
#[derive(Clone)]
pub struct StreamFamily {
    base: ChaCha8Rng,
}

impl StreamFamily {
    /// Derives the key from the run seed, a purpose label and a stable id.
    pub fn new(seed: u64, purpose: &str, stable_id: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"sentinel/rng/v1\0");
        h.update(seed.to_le_bytes());
        h.update(purpose.as_bytes());
        h.update([0u8]);
        h.update(stable_id.as_bytes());
        let key: [u8; 32] = h.finalize().into();
        StreamFamily {
            base: ChaCha8Rng::from_seed(key),
        }
    }

    /// The generator for one (stream, tick) cell, e.g. stream = object catalog number.
    pub fn at(&self, stream: u64, tick: u64) -> ChaCha8Rng {
        let mut r = self.base.clone();
        r.set_stream(stream);
        r.set_word_pos(tick as u128 * WORDS_PER_TICK);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn cells_are_independent_and_reproducible() {
        let f = StreamFamily::new(42, "detect", "S1");
        let a: u64 = f.at(25544, 10).random();
        let b: u64 = f.at(25544, 10).random();
        assert_eq!(a, b);
        assert_ne!(a, f.at(25544, 11).random::<u64>());
        assert_ne!(a, f.at(25545, 10).random::<u64>());
        assert_ne!(a, StreamFamily::new(43, "detect", "S1").at(25544, 10).random::<u64>());
        assert_ne!(a, StreamFamily::new(42, "detect", "S2").at(25544, 10).random::<u64>());
    }

    #[test]
    fn golden_first_draw() {
        // Pins the derivation: changing it changes every run's log, which must be deliberate.
        let v: u64 = StreamFamily::new(1, "detect", "X").at(7, 3).random();
        assert_eq!(v, GOLDEN);
    }
    const GOLDEN: u64 = 5_850_980_894_442_826_333;
}
