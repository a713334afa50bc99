//! Maps and lists of the object under review, shared rather than copied.
//!
//! The `cel` crate's interpreter copies a value whenever it must own it: each
//! element a comprehension binds (`containers.all(c, ...)` copies every
//! container), the target of an optional selection (`x.?labels`), a value
//! a function takes by value. A `CelMap` or `CelList` copies all it holds,
//! so on a StatefulSet those copies cost more than the policies' own work.
//! [`SharedMap`] and [`SharedList`] hold their items behind an `Arc`: a copy
//! is a reference count.
//!
//! A [`SharedMap`] keeps its entries as the manifest has them, in order in a
//! vector: an object's maps are small and their keys strings, so a lookup
//! compares a few keys where a `CelMap` hashes each one with SipHash, and
//! making one allocates once. Its `CelMap` is made only when the crate needs
//! one: to compare the map with another, to make a `Value` of it.
//!
//! To the interpreter they are a `map` and a `list`: what the crate recovers
//! by type (`{'a': 'b'} == object.x` compares with a `CelMap` on its left)
//! it gets from `as_builtin`, which hands out the `CelMap` or `CelList`.
//! That hook is hidden in the crate's documentation; the tests in
//! `object.rs` pin the behaviour the shared values must have, both ways
//! round, and the operations a map supports are the crate's own where the
//! key is not a string.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use cel::ExecutionError;
use cel::common::traits::{self, Adder, Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{CelInt, CelList, CelMap, CelMapKey, CelString, Type};
use cel::common::value::{Builtin, BuiltinRef, CowVal, Val};

/// A `map`, shared.
#[derive(Debug)]
pub struct SharedMap<'v>(Arc<Entries<'v>>);

/// A `list`, shared.
#[derive(Debug)]
pub struct SharedList<'v>(Arc<CelList<'v>>);

impl<'v> SharedList<'v> {
    pub fn boxed(list: CelList<'v>) -> Box<dyn Val + 'v> {
        Box::new(SharedList(Arc::new(list)))
    }
}

/// The parts of `Val` of a shared list, each the inner value's.
macro_rules! shared_val {
    ($ty:ident, $inner:ident, $variant:ident) => {
        impl<'v> Val for $ty<'v> {
            fn get_type(&self) -> &Type {
                self.0.get_type()
            }

            fn cel_type() -> &'static Type {
                <$inner<'static> as Val>::cel_type()
            }

            fn as_container(&self) -> Option<&dyn Container> {
                self.0.as_container()
            }

            fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
            where
                Self: 'w,
            {
                self.0.as_indexer()
            }

            fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
            where
                Self: 'w,
            {
                Some(self)
            }

            fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
            where
                Self: 'w,
            {
                self.0.as_iterable()
            }

            fn as_adder<'b, 'w>(&'b self) -> Option<&'b (dyn Adder + 'w)>
            where
                Self: 'w,
            {
                self.0.as_adder()
            }

            fn as_sizer(&self) -> Option<&dyn Sizer> {
                self.0.as_sizer()
            }

            fn as_zeroer(&self) -> Option<&dyn Zeroer> {
                self.0.as_zeroer()
            }

            fn equals(&self, other: &dyn Val) -> bool {
                self.0.equals(other)
            }

            fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
            where
                Self: 'w,
            {
                Box::new($ty(Arc::clone(&self.0)))
            }

            fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
            where
                Self: 'w,
            {
                BuiltinRef::$variant(&self.0)
            }

            fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
            where
                Self: 'w,
            {
                Some(Builtin::$variant(Arc::unwrap_or_clone(self.0)))
            }
        }

        impl<'v> Indexer for $ty<'v> {
            fn get<'b, 'w>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'w>, ExecutionError>
            where
                Self: 'w,
            {
                self.0.get(idx)
            }

            /// Moves the element out when nothing else holds the value,
            /// else copies it (a shared element's copy is a count).
            fn steal<'w>(
                self: Box<Self>,
                idx: &dyn Val,
            ) -> Result<Box<dyn Val + 'w>, ExecutionError>
            where
                Self: 'w,
            {
                match Arc::try_unwrap(self.0) {
                    Ok(inner) => Box::new(inner).steal(idx),
                    Err(shared) => shared.get(idx).map(CowVal::into_owned),
                }
            }
        }
    };
}

shared_val!(SharedList, CelList, List);

/// Above this many entries a map's keys are found through an index.
const SCAN: usize = 16;

/// A map's entries, in the order written, each key once; and the crate's
/// map of them, when one was needed.
#[derive(Debug, Default)]
pub struct Entries<'v> {
    items: Vec<(CelString<'v>, Box<dyn Val + 'v>)>,
    /// Where each key is, for a map of more than [`SCAN`] entries.
    index: Option<HashMap<String, usize>>,
    cel: OnceLock<CelMap<'v>>,
}

impl<'v> Entries<'v> {
    pub fn with_capacity(n: usize) -> Self {
        Entries {
            items: Vec::with_capacity(n),
            ..Entries::default()
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.items.iter().position(|(k, _)| k.inner() == key),
        }
    }

    pub fn get(&self, key: &str) -> Option<&(dyn Val + 'v)> {
        self.position(key).map(|i| self.items[i].1.as_ref())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`; a key set again keeps its place and takes the
    /// new value, as the last of a repeated key wins in kubectl.
    pub fn insert(&mut self, key: CelString<'v>, value: Box<dyn Val + 'v>) {
        match self.position(key.inner()) {
            Some(i) => self.items[i].1 = value,
            None => self.push(key, value),
        }
    }

    /// Sets `key` to `value` unless it is set (merge keys).
    pub fn insert_absent(&mut self, key: CelString<'v>, value: Box<dyn Val + 'v>) {
        if self.position(key.inner()).is_none() {
            self.push(key, value);
        }
    }

    fn push(&mut self, key: CelString<'v>, value: Box<dyn Val + 'v>) {
        self.cel = OnceLock::new();
        if let Some(index) = &mut self.index {
            index.insert(key.inner().to_owned(), self.items.len());
        }
        self.items.push((key, value));
        if self.index.is_none() && self.items.len() > SCAN {
            let index = self.items.iter().enumerate();
            self.index = Some(index.map(|(i, (k, _))| (k.inner().to_owned(), i)).collect());
        }
    }

    pub fn into_items(self) -> impl std::iter::Iterator<Item = (CelString<'v>, Box<dyn Val + 'v>)> {
        self.items.into_iter()
    }

    /// The map as the crate has one.
    fn cel(&self) -> &CelMap<'v> {
        self.cel.get_or_init(|| {
            let map: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = self
                .items
                .iter()
                .map(|(k, v)| (CelMapKey::String(k.clone()), v.clone()))
                .collect();
            CelMap::from(map)
        })
    }

    pub fn boxed(self) -> Box<dyn Val + 'v> {
        Box::new(SharedMap(Arc::new(self)))
    }
}

/// A key that is a string, looked up in the entries; any other the crate
/// looks up (numeric fallbacks, the error of a value that is no key).
fn string_key(key: &dyn Val) -> Option<&str> {
    key.downcast_ref::<CelString>().map(|s| s.inner())
}

impl<'v> Val for SharedMap<'v> {
    fn get_type(&self) -> &Type {
        <CelMap<'static> as Val>::cel_type()
    }

    fn cel_type() -> &'static Type {
        <CelMap<'static> as Val>::cel_type()
    }

    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }

    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        Some(self)
    }

    fn equals(&self, other: &dyn Val) -> bool {
        self.0.cel().equals(other)
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(SharedMap(Arc::clone(&self.0)))
    }

    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        BuiltinRef::Map(self.0.cel())
    }

    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        let map = match Arc::try_unwrap(self.0) {
            Ok(mut entries) => entries.cel.take().unwrap_or_else(|| {
                let map: HashMap<CelMapKey<'w>, Box<dyn Val + 'w>> = entries
                    .into_items()
                    .map(|(k, v)| (CelMapKey::String(k), v as Box<dyn Val + 'w>))
                    .collect();
                CelMap::from(map)
            }),
            Err(shared) => shared.cel().clone(),
        };
        Some(Builtin::Map(map))
    }
}

impl<'v> Indexer for SharedMap<'v> {
    fn get<'b, 'w>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'w>, ExecutionError>
    where
        Self: 'w,
    {
        match string_key(idx) {
            Some(key) => match self.0.get(key) {
                Some(v) => Ok(CowVal::Borrowed(v)),
                None => Err(ExecutionError::NoSuchKey(Arc::new(key.to_owned()))),
            },
            None => self.0.cel().get(idx),
        }
    }

    /// Moves the value out when nothing else holds the map, else copies it
    /// (a shared value's copy is a count).
    fn steal<'w>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'w>, ExecutionError>
    where
        Self: 'w,
    {
        let Some(key) = string_key(idx) else {
            return self.get(idx).map(CowVal::into_owned);
        };
        match Arc::try_unwrap(self.0) {
            // The map is dropped: its index need not be kept.
            Ok(mut entries) => match entries.position(key) {
                Some(i) => Ok(entries.items.swap_remove(i).1),
                None => Err(ExecutionError::NoSuchKey(Arc::new(key.to_owned()))),
            },
            Err(shared) => SharedMap(shared).get(idx).map(CowVal::into_owned),
        }
    }
}

impl Container for SharedMap<'_> {
    fn contains(&self, key: &dyn Val) -> Result<bool, ExecutionError> {
        match string_key(key) {
            Some(key) => Ok(self.0.get(key).is_some()),
            None => self.0.cel().contains(key),
        }
    }
}

impl<'v> Iterable for SharedMap<'v> {
    fn iter<'b, 'w>(&'b self) -> Box<dyn traits::Iterator<'b, 'w> + 'b>
    where
        Self: 'w,
    {
        Box::new(Keys(self.0.items.iter()))
    }
}

/// A map's keys, in the order written.
struct Keys<'b, 'v>(std::slice::Iter<'b, (CelString<'v>, Box<dyn Val + 'v>)>);

impl<'b, 'v: 'w, 'w> traits::Iterator<'b, 'w> for Keys<'b, 'v> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'w)> {
        self.0.next().map(|(k, _)| k as &(dyn Val + 'w))
    }
}

impl Sizer for SharedMap<'_> {
    fn size(&self) -> CelInt {
        (self.0.items.len() as i64).into()
    }
}

impl Zeroer for SharedMap<'_> {
    fn is_zero_value(&self) -> bool {
        self.0.items.is_empty()
    }
}
