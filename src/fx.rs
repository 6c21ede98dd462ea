//! A fast hasher for maps keyed by ids and small integers that salesdojo made or read from
//! its own log (never keys chosen to collide): the multiply-rotate of rustc's FxHash. For maps
//! filled and probed once per row of a whole-history read, SipHash (the default) cost a fifth
//! of the read (`cargo bench --bench manager`).

use std::collections::HashMap;

/// The hasher.
#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
}

/// A map hashed with [`Fx`].
pub type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;

#[cfg(test)]
mod tests {
    #[test]
    fn equal_keys_hash_equal_and_lookups_work() {
        let mut m = super::FxMap::default();
        for i in 0..1000u32 {
            m.insert(format!("attempt-{i}"), i);
        }
        assert_eq!(m.get("attempt-999"), Some(&999));
        assert_eq!(m.get("attempt-1000"), None);
        assert_eq!(m.len(), 1000);
    }
}
