//! Computed objects: entries in insertion order, plus a hash index over the
//! keys once there are more than a few, so a lookup costs the same at any
//! size. Keys are distinct; a builder lets a later key replace an earlier.

use super::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Up to this many entries, a scan beats hashing the key.
const INDEXED_FROM: usize = 16;

#[derive(Default)]
pub struct Object<'a> {
    entries: Vec<(Arc<str>, Value<'a>)>,
    /// Key -> position in `entries`; present from `INDEXED_FROM` entries.
    index: Option<HashMap<Arc<str>, u32>>,
}

impl<'a> Object<'a> {
    /// An object of entries whose keys are known to be distinct.
    pub fn from_distinct(entries: Vec<(Arc<str>, Value<'a>)>) -> Object<'a> {
        let index = (entries.len() >= INDEXED_FROM).then(|| {
            entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i as u32))
                .collect()
        });
        Object { entries, index }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[(Arc<str>, Value<'a>)] {
        &self.entries
    }

    /// Where `key` is among the entries.
    pub fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).map(|&i| i as usize),
            None => self.entries.iter().position(|(k, _)| &**k == key),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.position(key).map(|i| &self.entries[i].1)
    }
}

/// Builds an object in one pass: a key seen again keeps its first
/// position and takes the later value.
#[derive(Default)]
pub struct ObjectBuilder<'a> {
    object: Object<'a>,
}

impl<'a> ObjectBuilder<'a> {
    pub fn insert(&mut self, key: Arc<str>, value: Value<'a>) {
        let o = &mut self.object;
        if let Some(i) = o.position(&key) {
            o.entries[i].1 = value;
            return;
        }
        let at = o.entries.len() as u32;
        match &mut o.index {
            Some(index) => {
                index.insert(key.clone(), at);
            }
            None if o.entries.len() + 1 >= INDEXED_FROM => {
                let mut index: HashMap<Arc<str>, u32> = o
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i as u32))
                    .collect();
                index.insert(key.clone(), at);
                o.index = Some(index);
            }
            None => {}
        }
        o.entries.push((key, value));
    }

    pub fn len(&self) -> usize {
        self.object.len()
    }

    pub fn is_empty(&self) -> bool {
        self.object.is_empty()
    }

    pub fn finish(self) -> Object<'a> {
        self.object
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_keys_replace_earlier_ones_at_any_size() {
        for n in [3usize, 40] {
            let mut b = ObjectBuilder::default();
            for i in 0..n {
                b.insert(Arc::from(format!("k{i}")), Value::Int(i as i64));
            }
            b.insert(Arc::from("k1"), Value::Int(-1));
            let o = b.finish();
            assert_eq!(o.len(), n);
            assert_eq!(o.position("k1"), Some(1));
            assert!(matches!(o.get("k1"), Some(Value::Int(-1))));
            assert!(matches!(o.get(&format!("k{}", n - 1)), Some(Value::Int(_))));
            assert!(o.get("absent").is_none());
        }
    }
}
