//! Label maps kept for the whole run (pod labels of every workload, Service
//! selectors): one string and one offset list per map instead of a B-tree
//! node and two strings per pair. A BTreeMap<String, String> of three
//! labels takes about 700 bytes of heap; this takes about 100.

use std::collections::BTreeMap;

/// What selector matching needs of a set of labels.
pub trait LabelSet {
    fn label(&self, key: &str) -> Option<&str>;
}

impl LabelSet for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// Labels sorted by key, each key once (the last value written wins, as
/// in a map).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMap {
    /// Keys and values one after the other.
    text: Box<str>,
    /// End offset in `text` of each key and each value: key i ends at
    /// `ends[2i]`, its value at `ends[2i + 1]`.
    ends: Box<[u32]>,
}

impl LabelMap {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> LabelMap {
        let mut pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        // Stable: of two equal keys the later stays, after dedup below.
        pairs.sort_by_key(|&(k, _)| k);
        pairs.reverse();
        pairs.dedup_by_key(|&mut (k, _)| k);
        pairs.reverse();
        let mut text = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len()).sum());
        let mut ends = Vec::with_capacity(pairs.len() * 2);
        for (k, v) in pairs {
            text.push_str(k);
            ends.push(offset(text.len()));
            text.push_str(v);
            ends.push(offset(text.len()));
        }
        LabelMap {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn at(&self, i: usize) -> (&str, &str) {
        let start = if i == 0 {
            0
        } else {
            self.ends[2 * i - 1] as usize
        };
        let key_end = self.ends[2 * i] as usize;
        let end = self.ends[2 * i + 1] as usize;
        (&self.text[start..key_end], &self.text[key_end..end])
    }

    /// The pairs, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.len()).map(|i| self.at(i))
    }
}

impl LabelSet for LabelMap {
    fn label(&self, key: &str) -> Option<&str> {
        let mut lo = 0;
        let mut hi = self.len();
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (k, v) = self.at(mid);
            match k.cmp(key) {
                std::cmp::Ordering::Equal => return Some(v),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }
}

fn offset(n: usize) -> u32 {
    // Labels come from one file, and files are far below 4 GiB.
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_found() {
        let m = LabelMap::from_pairs([("tier", "db"), ("app", "pg"), ("", "e"), ("app", "pg2")]);
        assert_eq!(
            m.iter().collect::<Vec<_>>(),
            vec![("", "e"), ("app", "pg2"), ("tier", "db")]
        );
        assert_eq!(m.label("app"), Some("pg2"));
        assert_eq!(m.label(""), Some("e"));
        assert_eq!(m.label("tier"), Some("db"));
        assert_eq!(m.label("zone"), None);
        assert!(LabelMap::default().is_empty());
        assert_eq!(LabelMap::default().label("app"), None);
    }
}
