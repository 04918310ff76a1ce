//! The parsers as `validator` rules, and value-free validation errors.
//!
//! The `validator` crate's own errors put the rejected value in their
//! `params` (`{"value": "hunter2"}`), so logging or returning them leaks
//! passwords and personal data. [`field_errors`] keeps only the field path
//! and the stable code.
//!
//! ```
//! use guardrail_validate::rules;
//! use validator::Validate;
//!
//! #[derive(Validate)]
//! struct Signup {
//!     #[validate(custom(function = "rules::email"))]
//!     email: String,
//!     #[validate(custom(function = "rules::username"))]
//!     username: String,
//!     #[validate(length(min = 15, max = 128))]
//!     password: String,
//! }
//!
//! let form = Signup { email: "not-an-email".into(), username: "root".into(), password: "hunter2".into() };
//! let errors = rules::field_errors(&form.validate().unwrap_err());
//! assert_eq!(errors, [
//!     rules::FieldError::new("email", "missing_at"),
//!     rules::FieldError::new("password", "length"),
//!     rules::FieldError::new("username", "reserved_name"),
//! ]);
//! assert!(!format!("{errors:?}").contains("hunter2"));
//! ```

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::{Email, Error, FetchUrl, HostName, Label, RelativePath, Username};

fn rule(result: Result<(), Error>) -> Result<(), ValidationError> {
    result.map_err(|e| ValidationError::new(e.code()).with_message(Cow::Owned(e.to_string())))
}

/// Each rule: `name(value)` runs `Type::parse` on the value and turns a
/// refusal into a value-free [`ValidationError`].
macro_rules! rules {
    ($($(#[$doc:meta])* $name:ident => $ty:ident;)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// A [`ValidationError`] whose code is the refused rule's [`Reason`](crate::Reason) code
        /// (its message names the rule, never the value).
        pub fn $name<T: AsRef<str> + ?Sized>(value: &T) -> Result<(), ValidationError> {
            rule($ty::parse(value.as_ref()).map(drop))
        }
    )*};
}

rules! {
    /// `#[validate(custom(function = "guardrail_validate::rules::email"))]`
    email => Email;

    /// `#[validate(custom(function = "guardrail_validate::rules::username"))]` (default policy)
    username => Username;

    /// `#[validate(custom(function = "guardrail_validate::rules::fetch_url"))]` (default policy)
    fetch_url => FetchUrl;

    /// `#[validate(custom(function = "guardrail_validate::rules::host_name"))]`
    host_name => HostName;

    /// `#[validate(custom(function = "guardrail_validate::rules::relative_path"))]`
    relative_path => RelativePath;

    /// `#[validate(custom(function = "guardrail_validate::rules::label"))]`: a
    /// short display label ([`Label`], at most [`Label::MAX_CHARS`] characters,
    /// every character visible).
    label => Label;
}

/// One failed rule: where, and which code. Safe to log and to return to a
/// client (RFC 9457 `violations`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FieldError {
    /// The field path: `email`, `address.city`, `items[2].name`.
    pub field: String,
    /// The stable code: ours (`missing_at`, `traversal`, ...) or
    /// `validator`'s (`length`, `range`, `email`, ...).
    pub code: String,
}

impl FieldError {
    /// A field error.
    #[must_use]
    pub fn new(field: impl Into<String>, code: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into() }
    }
}

/// Flattens `validator`'s nested errors into field paths and codes, sorted,
/// dropping every message and parameter (where validator keeps the value).
#[must_use]
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, "", &mut out);
    out.sort();
    out
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|e| FieldError::new(path.clone(), e.code.clone())));
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}
