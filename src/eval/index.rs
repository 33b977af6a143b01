//! Key lookup on facts objects at any size. The arena stores an object as
//! a run of values over a shared shape of keys, which a scan reads well
//! while it is small; the first lookup in a larger one builds a hash index
//! over its keys (without copying a key or a value), shared by every
//! control of the run through the evaluator. Each machine charges the build to its own budget the
//! first time it uses an index, so budgets do not depend on scheduling.

use crate::value::FactRef;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Up to this many entries a facts object is scanned, not indexed.
pub const SCAN_UP_TO: usize = 16;

/// Key -> entry number in one facts object.
pub type KeyIndex<'a> = HashMap<&'a str, u32>;

/// Which object: its arena and its block.
pub type ObjectId = (usize, u32);

pub fn id(r: FactRef<'_>) -> ObjectId {
    (std::ptr::from_ref(r.facts) as usize, r.block)
}

/// The indexes built so far in this run.
#[derive(Default)]
pub struct SharedIndexes<'a> {
    built: Mutex<HashMap<ObjectId, Arc<KeyIndex<'a>>>>,
}

impl<'a> SharedIndexes<'a> {
    /// The index of `r`, built now unless another control built it.
    pub fn get(&self, r: FactRef<'a>) -> Arc<KeyIndex<'a>> {
        let key = id(r);
        if let Some(found) = self.lock().get(&key) {
            return found.clone();
        }
        // Built outside the lock: other controls' lookups go on meanwhile.
        let index = Arc::new(build(r));
        self.lock().entry(key).or_insert(index).clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ObjectId, Arc<KeyIndex<'a>>>> {
        // A poisoned lock only means another control panicked; the map
        // itself is always whole.
        self.built.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn build<'a>(r: FactRef<'a>) -> KeyIndex<'a> {
    (0..r.len())
        .filter_map(|i| Some((r.facts.key(r.block, i)?, i as u32)))
        .collect()
}
