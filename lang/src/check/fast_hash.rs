//! A fast, non-cryptographic hasher for the checker's tables, whose keys are small integers,
//! ids and short names chosen by the program being checked (not by an adversary who gains
//! anything from collisions: the work per file is bounded by step budgets anyway).
//!
//! The standard `RandomState` (SipHash) costs more than the lookups it serves here; this
//! multiply-and-rotate hash makes the checker's many small lookups cheap.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Multiply-rotate hashing of machine words (one multiplication per word).
#[derive(Clone, Copy, Default)]
pub struct FastHasher {
    state: u64,
}

/// An odd constant with well-spread bits (from the golden ratio).
const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.state
    }
}

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::{FastHasher, FastMap};
    use std::hash::{Hash, Hasher};

    fn hash_of(value: impl Hash) -> u64 {
        let mut hasher = FastHasher::default();
        value.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn distinguishes_small_keys_and_names() {
        assert_ne!(hash_of((1u32, 2u32)), hash_of((2u32, 1u32)));
        assert_ne!(hash_of("conv"), hash_of("conw"));
        assert_ne!(hash_of("abcdefgh1"), hash_of("abcdefgh2"));
        assert_eq!(hash_of("relu"), hash_of(String::from("relu")));
    }

    #[test]
    fn serves_as_a_map_hasher() {
        let mut map: FastMap<String, usize> = FastMap::default();
        for i in 0..1000 {
            map.insert(format!("name_{i}"), i);
        }
        assert_eq!(map.len(), 1000);
        assert_eq!(map.get("name_517"), Some(&517));
        assert_eq!(map.get("name_1000"), None);
    }
}
