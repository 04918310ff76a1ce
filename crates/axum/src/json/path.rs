//! A deserializer wrapper that knows where a failure happened and what
//! kind it was, without keeping any of the input.
//!
//! Modelled on `serde_path_to_error`, with two differences: a path is made
//! only of the target type's static names (`deserialize_struct`'s fields,
//! `deserialize_enum`'s variants), sequence indices and `*` for any other
//! map key; and the target type's `Deserialize` code sees this module's
//! error type, [`Captured`], so the kind of each failure is recorded as a
//! value (`invalid_type`, `missing_field`, ...) instead of being formatted
//! into a message that quotes the input.
//!
//! Where the wrapped deserializer (serde_json) calls back into a wrapper,
//! a [`Captured`] crosses it in a [`Slot`] and the deserializer gets a
//! message-free error; the wrapper that called the deserializer takes it
//! back out. The deserializer's own errors (syntax, a token of the wrong
//! type) are classified by the first words of their message, which
//! [`classify`] reads without storing it.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

use super::classify::{self, Failure};
use crate::problem::{Pointer, Segment};

/// Carries a [`Captured`] across the wrapped deserializer's error type.
pub(crate) type Slot = Cell<Option<Captured>>;

/// A failure and where it happened (innermost step first).
#[derive(Debug)]
pub(crate) struct Captured {
    failure: Failure,
    path: Vec<Segment>,
}

impl Captured {
    fn new(failure: Failure) -> Self {
        Self { failure, path: Vec::new() }
    }

    fn at(mut self, segment: Segment) -> Self {
        self.path.push(segment);
        self
    }

    /// What failed, and the pointer to it from the document's root.
    pub(crate) fn into_parts(self) -> (Failure, Pointer) {
        (self.failure, self.path.into_iter().rev().collect())
    }

    /// A deserializer's own error, by the first words of its message.
    fn foreign(error: &dyn fmt::Display) -> Self {
        Self::new(classify::serde_message(error))
    }
}

impl fmt::Display for Captured {
    /// The reason code only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.failure.reason().unwrap_or("invalid"))
    }
}

impl std::error::Error for Captured {}

impl de::Error for Captured {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(classify::custom_message(&msg))
    }
    fn invalid_type(_: de::Unexpected<'_>, _: &dyn de::Expected) -> Self {
        Self::new(Failure::Data("invalid_type"))
    }
    fn invalid_value(_: de::Unexpected<'_>, _: &dyn de::Expected) -> Self {
        Self::new(Failure::Data("invalid_value"))
    }
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        Self::new(Failure::Data("invalid_length"))
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Self::new(Failure::Data("unknown_variant"))
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Self::new(Failure::Data("unknown_field"))
    }
    /// Points at the field that should have been there.
    fn missing_field(field: &'static str) -> Self {
        Self::new(Failure::Data("missing_field")).at(Segment::Field(field))
    }
    fn duplicate_field(field: &'static str) -> Self {
        Self::new(Failure::Data("duplicate_field")).at(Segment::Field(field))
    }
}

/// Deserializes a `T` from `de` through the wrappers.
pub(crate) fn deserialize<'de, T, D>(de: D) -> Result<T, Captured>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    let slot = Slot::new(None);
    T::deserialize(Tracked { inner: de, ctx: Ctx { slot: &slot, key: None } })
}

/// What every wrapper carries: the slot, and while a map key or enum
/// variant is read, the static names it may be and where to note which.
#[derive(Clone, Copy)]
struct Ctx<'s> {
    slot: &'s Slot,
    key: Option<(&'static [&'static str], &'s Cell<Segment>)>,
}

impl<'s> Ctx<'s> {
    /// The same slot, not reading a key.
    fn value(self) -> Self {
        Self { slot: self.slot, key: None }
    }

    /// A deserializer's error, or the [`Captured`] that crossed it.
    fn recover(self, error: impl fmt::Display) -> Captured {
        self.slot.take().unwrap_or_else(|| Captured::foreign(&error))
    }

    /// A [`Captured`] handed to the deserializer as its own error type.
    fn stash<T, E: de::Error>(self, result: Result<T, Captured>) -> Result<T, E> {
        result.map_err(|captured| {
            self.slot.set(Some(captured));
            E::custom("failure recorded by guardrail-axum")
        })
    }

    /// Runs `read` (of a map key or an enum variant) noting which of
    /// `names` the key is: the step for what follows it.
    fn reading_key<R>(self, names: &'static [&'static str], read: impl FnOnce(Ctx<'_>) -> R) -> (R, Segment) {
        let found = Cell::new(Segment::Key);
        let result = read(Ctx { slot: self.slot, key: Some((names, &found)) });
        (result, found.get())
    }

    /// While reading a key: the static name it equals, if any.
    fn note_key(self, key: &[u8]) {
        if let Some((names, found)) = self.key
            && let Some(name) = names.iter().find(|n| n.as_bytes() == key)
        {
            found.set(Segment::Field(name));
        }
    }
}

/// The deserializer the target type sees.
struct Tracked<'s, D> {
    inner: D,
    ctx: Ctx<'s>,
}

/// Forwards `deserialize_*` methods, wrapping the visitor (with the static
/// names the method was given: a struct's fields, an enum's variants) and
/// taking back the error.
macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*) => $names:expr;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Captured> {
                let ctx = self.ctx;
                let visitor = Wrap { inner: visitor, ctx, names: $names };
                self.inner.$method($($arg,)* visitor).map_err(|e| ctx.recover(e))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tracked<'_, D> {
    type Error = Captured;

    forward! {
        deserialize_any() => &[];
        deserialize_bool() => &[];
        deserialize_i8() => &[];
        deserialize_i16() => &[];
        deserialize_i32() => &[];
        deserialize_i64() => &[];
        deserialize_i128() => &[];
        deserialize_u8() => &[];
        deserialize_u16() => &[];
        deserialize_u32() => &[];
        deserialize_u64() => &[];
        deserialize_u128() => &[];
        deserialize_f32() => &[];
        deserialize_f64() => &[];
        deserialize_char() => &[];
        deserialize_str() => &[];
        deserialize_string() => &[];
        deserialize_bytes() => &[];
        deserialize_byte_buf() => &[];
        deserialize_option() => &[];
        deserialize_unit() => &[];
        deserialize_unit_struct(name: &'static str) => &[];
        deserialize_newtype_struct(name: &'static str) => &[];
        deserialize_seq() => &[];
        deserialize_tuple(len: usize) => &[];
        deserialize_tuple_struct(name: &'static str, len: usize) => &[];
        deserialize_map() => &[];
        deserialize_struct(name: &'static str, fields: &'static [&'static str]) => fields;
        deserialize_enum(name: &'static str, variants: &'static [&'static str]) => variants;
        deserialize_identifier() => &[];
        deserialize_ignored_any() => &[];
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// The visitor the wrapped deserializer sees: it calls the target's
/// visitor with [`Captured`] as the error type and wraps what it hands on.
struct Wrap<'s, V> {
    inner: V,
    ctx: Ctx<'s>,
    names: &'static [&'static str],
}

/// Visitor methods that take a plain value.
macro_rules! visit_values {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.ctx.stash(self.inner.$method(v))
            }
        )*
    };
}

/// Visitor methods that take text, which may be a key to note.
macro_rules! visit_texts {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.ctx.note_key(AsRef::<[u8]>::as_ref(&v));
                self.ctx.stash(self.inner.$method(v))
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    visit_values! {
        visit_bool(bool); visit_i8(i8); visit_i16(i16); visit_i32(i32); visit_i64(i64); visit_i128(i128);
        visit_u8(u8); visit_u16(u16); visit_u32(u32); visit_u64(u64); visit_u128(u128);
        visit_f32(f32); visit_f64(f64); visit_char(char);
    }

    visit_texts! {
        visit_str(&str); visit_borrowed_str(&'de str); visit_string(String);
        visit_bytes(&[u8]); visit_borrowed_bytes(&'de [u8]); visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.ctx.stash(self.inner.visit_none())
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.ctx.stash(self.inner.visit_unit())
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        let ctx = self.ctx.value();
        ctx.stash(self.inner.visit_some(Tracked { inner: de, ctx }))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        let ctx = self.ctx.value();
        ctx.stash(self.inner.visit_newtype_struct(Tracked { inner: de, ctx }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let ctx = self.ctx.value();
        ctx.stash(self.inner.visit_seq(Seq { inner: seq, ctx, index: 0 }))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let ctx = self.ctx.value();
        ctx.stash(self.inner.visit_map(Map { inner: map, ctx, names: self.names, key: Segment::Key }))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        let ctx = self.ctx.value();
        ctx.stash(self.inner.visit_enum(Enum { inner: data, ctx, names: self.names }))
    }
}

/// A seed the wrapped deserializer sees: the target's seed, run on a
/// [`Tracked`] deserializer.
struct Seed<'s, T> {
    inner: T,
    ctx: Ctx<'s>,
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<T::Value, D::Error> {
        self.ctx.stash(self.inner.deserialize(Tracked { inner: de, ctx: self.ctx }))
    }
}

/// A sequence: failures inside element `index` get its index.
struct Seq<'s, A> {
    inner: A,
    ctx: Ctx<'s>,
    index: usize,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<'_, A> {
    type Error = Captured;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Captured> {
        let (ctx, index) = (self.ctx, self.index);
        self.index = self.index.saturating_add(1);
        self.inner.next_element_seed(Seed { inner: seed, ctx }).map_err(|e| ctx.recover(e).at(Segment::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A map or struct: failures inside a value get its key's step, the
/// declared field name when the key is one, else `*`.
struct Map<'s, A> {
    inner: A,
    ctx: Ctx<'s>,
    names: &'static [&'static str],
    key: Segment,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<'_, A> {
    type Error = Captured;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Captured> {
        let inner = &mut self.inner;
        let (key, step) = self
            .ctx
            .reading_key(self.names, |ctx| inner.next_key_seed(Seed { inner: seed, ctx }).map_err(|e| ctx.recover(e)));
        self.key = step;
        key
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Captured> {
        let (ctx, key) = (self.ctx, self.key);
        self.inner.next_value_seed(Seed { inner: seed, ctx }).map_err(|e| ctx.recover(e).at(key))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// An enum: the variant is read like a map key against the declared
/// variant names.
struct Enum<'s, A> {
    inner: A,
    ctx: Ctx<'s>,
    names: &'static [&'static str],
}

impl<'de, 's, A: EnumAccess<'de>> EnumAccess<'de> for Enum<'s, A> {
    type Error = Captured;
    type Variant = Variant<'s, A::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant), Captured> {
        let inner = self.inner;
        let (read, step) = self
            .ctx
            .reading_key(self.names, |ctx| inner.variant_seed(Seed { inner: seed, ctx }).map_err(|e| ctx.recover(e)));
        let (value, variant) = read?;
        Ok((value, Variant { inner: variant, ctx: self.ctx, step }))
    }
}

/// An enum's content (`{"Variant": ...}`): failures inside it get the
/// variant's step.
struct Variant<'s, A> {
    inner: A,
    ctx: Ctx<'s>,
    step: Segment,
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<'_, A> {
    type Error = Captured;

    fn unit_variant(self) -> Result<(), Captured> {
        let (ctx, step) = (self.ctx, self.step);
        self.inner.unit_variant().map_err(|e| ctx.recover(e).at(step))
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Captured> {
        let (ctx, step) = (self.ctx, self.step);
        self.inner.newtype_variant_seed(Seed { inner: seed, ctx }).map_err(|e| ctx.recover(e).at(step))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Captured> {
        let (ctx, step) = (self.ctx, self.step);
        let visitor = Wrap { inner: visitor, ctx, names: &[] };
        self.inner.tuple_variant(len, visitor).map_err(|e| ctx.recover(e).at(step))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Captured> {
        let (ctx, step) = (self.ctx, self.step);
        let visitor = Wrap { inner: visitor, ctx, names: fields };
        self.inner.struct_variant(fields, visitor).map_err(|e| ctx.recover(e).at(step))
    }
}
