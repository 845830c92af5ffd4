//! [`InvitationStatus`], hand-written so that a status the API adds later does not break
//! clients built today.
//!
//! The spec's `InvitationStatus` enum would generate a closed Rust enum, and serde would then
//! reject a whole response because of one new value. `cargo xtask codegen` replaces the
//! generated type with this one.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// State of an invitation.
///
/// A pending invitation whose `expiresAt` has passed reads as [`Expired`](Self::Expired).
/// Accepted invitations are removed, so they have no state.
///
/// ```
/// use invitations_sdk::InvitationStatus;
///
/// let known: InvitationStatus = serde_json::from_str(r#""Cancelled""#).unwrap();
/// assert_eq!(known, InvitationStatus::Cancelled);
///
/// // A value this SDK does not know yet is kept, not rejected.
/// let later: InvitationStatus = serde_json::from_str(r#""Suspended""#).unwrap();
/// assert_eq!(later, InvitationStatus::Unknown("Suspended".into()));
/// assert_eq!(later.to_string(), "Suspended");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InvitationStatus {
    /// Sent and waiting for the recipient.
    Pending,
    /// The recipient declined it.
    Declined,
    /// An administrator cancelled it.
    Cancelled,
    /// Its link expired before it was accepted.
    Expired,
    /// A status this version of the SDK does not know, kept as the server sent it.
    Unknown(String),
}

impl InvitationStatus {
    /// The wire value, such as `"Pending"`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "Pending",
            Self::Declined => "Declined",
            Self::Cancelled => "Cancelled",
            Self::Expired => "Expired",
            Self::Unknown(other) => other,
        }
    }
}

impl fmt::Display for InvitationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InvitationStatus {
    type Err = Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(match value {
            "Pending" => Self::Pending,
            "Declined" => Self::Declined,
            "Cancelled" => Self::Cancelled,
            "Expired" => Self::Expired,
            other => Self::Unknown(other.to_owned()),
        })
    }
}

impl Serialize for InvitationStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InvitationStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Ok(value
            .parse()
            .unwrap_or_else(|never: Infallible| match never {}))
    }
}

impl schemars::JsonSchema for InvitationStatus {
    fn schema_name() -> String {
        "InvitationStatus".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        // Deliberately an open string: the known values are documented, not enforced.
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            metadata: Some(Box::new(schemars::schema::Metadata {
                description: Some(
                    "Pending, Declined, Cancelled or Expired; later values are kept as they are."
                        .to_owned(),
                ),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip() {
        for status in [
            InvitationStatus::Pending,
            InvitationStatus::Declined,
            InvitationStatus::Cancelled,
            InvitationStatus::Expired,
        ] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{status}\""));
            assert_eq!(
                serde_json::from_str::<InvitationStatus>(&json).unwrap(),
                status
            );
        }
    }

    #[test]
    fn unknown_value_is_kept_verbatim() {
        let status: InvitationStatus = serde_json::from_str("\"pending\"").unwrap();
        // Case matters on the wire: "pending" is not "Pending".
        assert_eq!(status, InvitationStatus::Unknown("pending".into()));
        assert_eq!(serde_json::to_string(&status).unwrap(), "\"pending\"");
    }

    #[test]
    fn non_string_is_rejected() {
        assert!(serde_json::from_str::<InvitationStatus>("3").is_err());
    }
}
