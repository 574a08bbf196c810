//! `Spanned<T>`: a RON value together with its byte range in the scenario text, so that validation
//! errors found after parsing still point at `file:line:col`.

use std::cell::Cell;
use std::ops::Range;

use ron::value::RawValue;

use crate::diag::byte_offset;
use serde::de::{Deserialize, DeserializeOwned, Deserializer, Error as _};

thread_local! {
    /// (address, length) of the text being parsed, set by [`parse_ron`].
    static BASE: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// Byte offset of the innermost error found inside a `Spanned` value, if any.
    static INNER_ERROR_AT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The parsed value.
    pub value: T,
    /// Byte range in the scenario text.
    pub span: Range<usize>,
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw: &'de RawValue = <&'de RawValue>::deserialize(d)?;
        let text = raw.get_ron();
        let (base, len) = BASE.with(|b| b.get());
        let addr = text.as_ptr() as usize;
        let start = if addr >= base && addr <= base + len {
            addr - base
        } else {
            0
        };
        let span = start..start + text.len();
        match raw.into_rust::<T>() {
            Ok(value) => Ok(Spanned { value, span }),
            Err(e) => {
                let inner = byte_offset(text, e.span.start.line, e.span.start.col);
                INNER_ERROR_AT.with(|c| {
                    if c.get().is_none() {
                        c.set(Some(start + inner))
                    }
                });
                Err(D::Error::custom(e.code))
            }
        }
    }
}

/// A RON parse failure: message and byte range.
#[derive(Debug, Clone)]
pub struct RonError {
    /// What ron reported.
    pub message: String,
    /// Where, as bytes into the text.
    pub span: Range<usize>,
}

/// Parses `text` as RON with the extensions scenarios use (`implicit_some`, `unwrap_variant_newtypes`),
/// recording spans for every [`Spanned`] field.
pub fn parse_ron<T: DeserializeOwned>(text: &str) -> Result<T, RonError> {
    BASE.with(|b| b.set((text.as_ptr() as usize, text.len())));
    INNER_ERROR_AT.with(|c| c.set(None));
    let opts = ron::Options::default()
        .with_default_extension(
            ron::extensions::Extensions::IMPLICIT_SOME | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
        )
        .with_recursion_limit(crate::limits::MAX_RON_DEPTH);
    let result = opts.from_str::<T>(text);
    let inner = INNER_ERROR_AT.with(|c| c.take());
    BASE.with(|b| b.set((0, 0)));
    result.map_err(|e| {
        let start = inner.unwrap_or_else(|| byte_offset(text, e.span.start.line, e.span.start.col));
        let end = if inner.is_some() {
            start + 1
        } else {
            byte_offset(text, e.span.end.line, e.span.end.col).max(start + 1)
        };
        let message = match e.code {
            ron::Error::ExceededRecursionLimit => format!(
                "values are nested more than {} deep here (a resource limit; no scenario field needs this)",
                crate::limits::MAX_RON_DEPTH
            ),
            code => code.to_string(),
        };
        RonError {
            message,
            span: start..end.min(text.len().max(start)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct S {
        a: Spanned<String>,
        b: Option<Spanned<f64>>,
    }

    #[test]
    fn spans_point_at_values() {
        let src = "(\n  a: \"hi\",\n  b: 2.5,\n)";
        let s: S = parse_ron(src).unwrap();
        assert_eq!(&src[s.a.span.clone()], "\"hi\"");
        assert_eq!(&src[s.b.unwrap().span], "2.5");
    }

    #[test]
    fn inner_type_errors_point_at_the_value() {
        let src = "(\n  a: \"hi\",\n  b: \"x\",\n)";
        let e = parse_ron::<S>(src).unwrap_err();
        assert_eq!(&src[e.span.start..e.span.start + 3], "\"x\"", "{e:?}");
    }
}
