//! Arguments accepted as ids: plain integers, checked before anything is sent.

use std::num::NonZeroU64;

use crate::error::Error;

mod sealed {
    pub trait Sealed {}
}

/// A numeric id of the tenant surface (`tenant_id`, invitation `id`): any of `u64`, `i64`,
/// `u32`, `i32`, `usize` or [`NonZeroU64`]. 0 and negative values are refused with
/// [`Error::InvalidArgument`].
pub trait IntoId: sealed::Sealed {
    /// The positive id, or why not.
    fn into_id(self, name: &'static str) -> Result<NonZeroU64, Error>;
}

fn not_positive(name: &'static str, value: impl std::fmt::Display) -> Error {
    Error::InvalidArgument {
        name,
        reason: format!("must be a positive integer, got {value}"),
    }
}

macro_rules! unsigned_id {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl IntoId for $t {
            fn into_id(self, name: &'static str) -> Result<NonZeroU64, Error> {
                NonZeroU64::new(self as u64).ok_or_else(|| not_positive(name, self))
            }
        }
    )*};
}

macro_rules! signed_id {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl IntoId for $t {
            fn into_id(self, name: &'static str) -> Result<NonZeroU64, Error> {
                u64::try_from(self)
                    .ok()
                    .and_then(NonZeroU64::new)
                    .ok_or_else(|| not_positive(name, self))
            }
        }
    )*};
}

unsigned_id!(u64, u32, usize);
signed_id!(i64, i32);

impl sealed::Sealed for NonZeroU64 {}
impl IntoId for NonZeroU64 {
    fn into_id(self, _: &'static str) -> Result<NonZeroU64, Error> {
        Ok(self)
    }
}

/// The id of an IAM invite: opaque on the wire (a string of 1 to 128 characters), so either a
/// string, sent as it is, or a positive integer (`u64`, `i64`, `u32`, `i32`, `usize`,
/// [`NonZeroU64`]), sent in decimal.
pub trait IntoInviteId {
    /// The id as sent in the path, or why not.
    fn into_invite_id(self) -> Result<String, Error>;
}

fn check_invite_id(id: String) -> Result<String, Error> {
    let chars = id.chars().count();
    if chars == 0 || chars > 128 {
        return Err(Error::InvalidArgument {
            name: "id",
            reason: format!("must be 1 to 128 characters, got {chars}"),
        });
    }
    Ok(id)
}

impl IntoInviteId for &str {
    fn into_invite_id(self) -> Result<String, Error> {
        check_invite_id(self.to_owned())
    }
}

impl IntoInviteId for String {
    fn into_invite_id(self) -> Result<String, Error> {
        check_invite_id(self)
    }
}

impl IntoInviteId for &String {
    fn into_invite_id(self) -> Result<String, Error> {
        check_invite_id(self.clone())
    }
}

macro_rules! numeric_invite_id {
    ($($t:ty),*) => {$(
        impl IntoInviteId for $t {
            fn into_invite_id(self) -> Result<String, Error> {
                self.into_id("id").map(|id| id.to_string())
            }
        }
    )*};
}

numeric_invite_id!(u64, u32, usize, i64, i32, NonZeroU64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_integers_convert() {
        assert_eq!(9001u64.into_id("id").unwrap().get(), 9001);
        assert_eq!(9001i64.into_id("id").unwrap().get(), 9001);
        assert_eq!(7i32.into_id("id").unwrap().get(), 7);
        assert_eq!(9001i64.into_invite_id().unwrap(), "9001");
        assert_eq!("abc".into_invite_id().unwrap(), "abc");
    }

    #[test]
    fn zero_and_negative_are_refused_clearly() {
        let err = 0u64.into_id("tenant_id").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid tenant_id: must be a positive integer, got 0"
        );
        let err = (-5i64).into_id("id").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid id: must be a positive integer, got -5"
        );
        assert!((-1i32).into_invite_id().is_err());
        assert!("".into_invite_id().is_err());
        assert!("x".repeat(129).into_invite_id().is_err());
    }
}
