//! Maps and lists of the object under review, shared rather than copied.
//!
//! The `cel` crate's interpreter copies a value whenever it must own it: each
//! element a comprehension binds (`containers.all(c, ...)` copies every
//! container), the target of an optional selection (`x.?labels`), a value
//! a function takes by value. A `CelMap` or `CelList` copies all it holds,
//! so on a StatefulSet those copies cost more than the policies' own work.
//! [`SharedMap`] and [`SharedList`] hold one behind an `Arc`: a copy is a
//! reference count.
//!
//! To the interpreter they are a `map` and a `list`: every operation is the
//! crate's own on the value inside, and `as_builtin` hands out that value,
//! so that what the crate recovers by type (`{'a': 'b'} == object.x`
//! compares with a `CelMap` on its left, a `Value` is made of a result)
//! sees a `CelMap` or a `CelList`. That hook is hidden in the crate's
//! documentation; the tests in `object.rs` pin the behaviour the shared
//! values must have, both ways round.

use std::sync::Arc;

use cel::ExecutionError;
use cel::common::traits::{Adder, Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{CelList, CelMap, Type};
use cel::common::value::{Builtin, BuiltinRef, CowVal, Val};

/// A `map`, shared.
#[derive(Debug)]
pub struct SharedMap<'v>(Arc<CelMap<'v>>);

/// A `list`, shared.
#[derive(Debug)]
pub struct SharedList<'v>(Arc<CelList<'v>>);

impl<'v> SharedMap<'v> {
    pub fn boxed(map: CelMap<'v>) -> Box<dyn Val + 'v> {
        Box::new(SharedMap(Arc::new(map)))
    }
}

impl<'v> SharedList<'v> {
    pub fn boxed(list: CelList<'v>) -> Box<dyn Val + 'v> {
        Box::new(SharedList(Arc::new(list)))
    }
}

/// The parts of `Val` both share, each the inner value's.
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

shared_val!(SharedMap, CelMap, Map);
shared_val!(SharedList, CelList, List);
