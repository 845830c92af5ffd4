// @generated from openapi/invitations.yaml by `cargo xtask codegen`; do not edit.
// Change the spec or the generator settings in xtask/src/codegen.rs, then regenerate.
// `cargo xtask codegen --check` fails when this file is stale.
#[allow(unused_imports)]
pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
#[allow(unused_imports)]
use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
/// Types used as operation parameters and responses.
#[allow(clippy::all)]
pub mod types {
    /**What went wrong, on the tenant admin surface. `code` is one of `ValidationError`,
`InvitationNotPending`, `Unauthorized`, `Forbidden`, `NotFound` or `InternalError`;
clients should be ready for codes added later.
*/
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        schemars::JsonSchema
    )]
    pub struct ApiError {
        ///Machine-readable error code.
        pub code: ::std::string::String,
        ///Further details, such as each failed validation rule.
        pub info: ::std::vec::Vec<::std::string::String>,
        ///Human-readable description of the error.
        pub message: ::std::string::String,
    }
    impl ApiError {
        pub fn builder() -> builder::ApiError {
            Default::default()
        }
    }
    ///Result envelope of a failed operation on the tenant admin surface.
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        schemars::JsonSchema
    )]
    pub struct FailureResult {
        pub error: ApiError,
        ///Always true.
        #[serde(rename = "isFailure")]
        pub is_failure: bool,
        ///Always false.
        #[serde(rename = "isSuccess")]
        pub is_success: bool,
        ///Always null on failure.
        #[serde(deserialize_with = "::std::option::Option::deserialize")]
        pub value: ::std::option::Option<
            ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        >,
    }
    impl FailureResult {
        pub fn builder() -> builder::FailureResult {
            Default::default()
        }
    }
    ///`GetUserInvitationByEmailEmail`
    #[derive(
        ::serde::Serialize,
        Clone,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd,
        schemars::JsonSchema
    )]
    #[serde(transparent)]
    pub struct GetUserInvitationByEmailEmail(::std::string::String);
    impl ::std::ops::Deref for GetUserInvitationByEmailEmail {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<GetUserInvitationByEmailEmail> for ::std::string::String {
        fn from(value: GetUserInvitationByEmailEmail) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for GetUserInvitationByEmailEmail {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 254usize {
                return Err("longer than 254 characters".into());
            }
            if value.chars().count() < 3usize {
                return Err("shorter than 3 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for GetUserInvitationByEmailEmail {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String>
    for GetUserInvitationByEmailEmail {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for GetUserInvitationByEmailEmail {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///Every error body on the IAM surface.
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        schemars::JsonSchema
    )]
    pub struct IamError {
        ///Human-readable error message.
        pub error: ::std::string::String,
    }
    impl IamError {
        pub fn builder() -> builder::IamError {
            Default::default()
        }
    }
    ///`ResendInviteId`
    #[derive(
        ::serde::Serialize,
        Clone,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd,
        schemars::JsonSchema
    )]
    #[serde(transparent)]
    pub struct ResendInviteId(::std::string::String);
    impl ::std::ops::Deref for ResendInviteId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<ResendInviteId> for ::std::string::String {
        fn from(value: ResendInviteId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for ResendInviteId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            if value.chars().count() < 1usize {
                return Err("shorter than 1 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for ResendInviteId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for ResendInviteId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for ResendInviteId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`ResendInviteIdempotencyKey`
    #[derive(
        ::serde::Serialize,
        Clone,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd,
        schemars::JsonSchema
    )]
    #[serde(transparent)]
    pub struct ResendInviteIdempotencyKey(::std::string::String);
    impl ::std::ops::Deref for ResendInviteIdempotencyKey {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<ResendInviteIdempotencyKey> for ::std::string::String {
        fn from(value: ResendInviteIdempotencyKey) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for ResendInviteIdempotencyKey {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 255usize {
                return Err("longer than 255 characters".into());
            }
            if value.chars().count() < 1usize {
                return Err("shorter than 1 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for ResendInviteIdempotencyKey {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for ResendInviteIdempotencyKey {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for ResendInviteIdempotencyKey {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///Body of the IAM resend. Optional; send `{}` or nothing.
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        schemars::JsonSchema
    )]
    #[serde(transparent)]
    pub struct ResendInviteRequest(
        pub ::serde_json::Map<::std::string::String, ::serde_json::Value>,
    );
    impl ::std::ops::Deref for ResendInviteRequest {
        type Target = ::serde_json::Map<::std::string::String, ::serde_json::Value>;
        fn deref(
            &self,
        ) -> &::serde_json::Map<::std::string::String, ::serde_json::Value> {
            &self.0
        }
    }
    impl ::std::convert::From<ResendInviteRequest>
    for ::serde_json::Map<::std::string::String, ::serde_json::Value> {
        fn from(value: ResendInviteRequest) -> Self {
            value.0
        }
    }
    impl ::std::convert::From<
        ::serde_json::Map<::std::string::String, ::serde_json::Value>,
    > for ResendInviteRequest {
        fn from(
            value: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        ) -> Self {
            Self(value)
        }
    }
    ///Confirms an IAM resend.
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        schemars::JsonSchema
    )]
    pub struct ResendInviteResponse {
        ///The invite's ID, as given in the path.
        #[serde(rename = "inviteId")]
        pub invite_id: ::std::string::String,
        ///Human-readable confirmation.
        pub message: ::std::string::String,
    }
    impl ResendInviteResponse {
        pub fn builder() -> builder::ResendInviteResponse {
            Default::default()
        }
    }
    ///Result envelope holding a list of invitations.
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        schemars::JsonSchema
    )]
    pub struct UserInvitationListResult {
        ///Null on success.
        #[serde(deserialize_with = "::std::option::Option::deserialize")]
        pub error: ::std::option::Option<ApiError>,
        ///True when the operation failed; always the negation of `isSuccess`.
        #[serde(rename = "isFailure")]
        pub is_failure: bool,
        ///True when the operation succeeded.
        #[serde(rename = "isSuccess")]
        pub is_success: bool,
        ///The invitations; null on failure.
        #[serde(deserialize_with = "::std::option::Option::deserialize")]
        pub value: ::std::option::Option<::std::vec::Vec<UserInvitationModel>>,
    }
    impl UserInvitationListResult {
        pub fn builder() -> builder::UserInvitationListResult {
            Default::default()
        }
    }
    ///An invitation for a user to join a tenant.
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        schemars::JsonSchema
    )]
    pub struct UserInvitationModel {
        ///When the invitation was created.
        #[serde(rename = "createdAt")]
        pub created_at: ::chrono::DateTime<::chrono::offset::Utc>,
        ///Address the invitation was sent to.
        pub email: UserInvitationModelEmail,
        ///When the current invitation link stops working; every resend moves it to 48 hours after the resend.
        #[serde(
            rename = "expiresAt",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub expires_at: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
        ///Identifier of the invitation.
        pub id: ::std::num::NonZeroU64,
        pub status: crate::status::InvitationStatus,
        ///Identifier of the tenant that owns the invitation.
        #[serde(
            rename = "tenantId",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub tenant_id: ::std::option::Option<::std::num::NonZeroU64>,
    }
    impl UserInvitationModel {
        pub fn builder() -> builder::UserInvitationModel {
            Default::default()
        }
    }
    ///Address the invitation was sent to.
    #[derive(
        ::serde::Serialize,
        Clone,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd,
        schemars::JsonSchema
    )]
    #[serde(transparent)]
    pub struct UserInvitationModelEmail(::std::string::String);
    impl ::std::ops::Deref for UserInvitationModelEmail {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<UserInvitationModelEmail> for ::std::string::String {
        fn from(value: UserInvitationModelEmail) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for UserInvitationModelEmail {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 254usize {
                return Err("longer than 254 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for UserInvitationModelEmail {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for UserInvitationModelEmail {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for UserInvitationModelEmail {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///Result envelope holding one invitation.
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        schemars::JsonSchema
    )]
    pub struct UserInvitationResult {
        ///Null on success.
        #[serde(deserialize_with = "::std::option::Option::deserialize")]
        pub error: ::std::option::Option<ApiError>,
        ///True when the operation failed; always the negation of `isSuccess`.
        #[serde(rename = "isFailure")]
        pub is_failure: bool,
        ///True when the operation succeeded.
        #[serde(rename = "isSuccess")]
        pub is_success: bool,
        ///The invitation; null on failure.
        #[serde(deserialize_with = "::std::option::Option::deserialize")]
        pub value: ::std::option::Option<UserInvitationModel>,
    }
    impl UserInvitationResult {
        pub fn builder() -> builder::UserInvitationResult {
            Default::default()
        }
    }
    /// Types for composing complex structures.
    pub mod builder {
        #[derive(Clone, Debug)]
        pub struct ApiError {
            code: ::std::result::Result<::std::string::String, ::std::string::String>,
            info: ::std::result::Result<
                ::std::vec::Vec<::std::string::String>,
                ::std::string::String,
            >,
            message: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for ApiError {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    info: Err("no value supplied for info".to_string()),
                    message: Err("no value supplied for message".to_string()),
                }
            }
        }
        impl ApiError {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn info<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.info = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for info: {e}")
                    });
                self
            }
            pub fn message<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.message = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for message: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<ApiError> for super::ApiError {
            type Error = super::error::ConversionError;
            fn try_from(
                value: ApiError,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    info: value.info?,
                    message: value.message?,
                })
            }
        }
        impl ::std::convert::From<super::ApiError> for ApiError {
            fn from(value: super::ApiError) -> Self {
                Self {
                    code: Ok(value.code),
                    info: Ok(value.info),
                    message: Ok(value.message),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct FailureResult {
            error: ::std::result::Result<super::ApiError, ::std::string::String>,
            is_failure: ::std::result::Result<bool, ::std::string::String>,
            is_success: ::std::result::Result<bool, ::std::string::String>,
            value: ::std::result::Result<
                ::std::option::Option<
                    ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                >,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for FailureResult {
            fn default() -> Self {
                Self {
                    error: Err("no value supplied for error".to_string()),
                    is_failure: Err("no value supplied for is_failure".to_string()),
                    is_success: Err("no value supplied for is_success".to_string()),
                    value: Err("no value supplied for value".to_string()),
                }
            }
        }
        impl FailureResult {
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::ApiError>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn is_failure<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<bool>,
                T::Error: ::std::fmt::Display,
            {
                self.is_failure = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for is_failure: {e}")
                    });
                self
            }
            pub fn is_success<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<bool>,
                T::Error: ::std::fmt::Display,
            {
                self.is_success = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for is_success: {e}")
                    });
                self
            }
            pub fn value<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<
                        ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                    >,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.value = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for value: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<FailureResult> for super::FailureResult {
            type Error = super::error::ConversionError;
            fn try_from(
                value: FailureResult,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    error: value.error?,
                    is_failure: value.is_failure?,
                    is_success: value.is_success?,
                    value: value.value?,
                })
            }
        }
        impl ::std::convert::From<super::FailureResult> for FailureResult {
            fn from(value: super::FailureResult) -> Self {
                Self {
                    error: Ok(value.error),
                    is_failure: Ok(value.is_failure),
                    is_success: Ok(value.is_success),
                    value: Ok(value.value),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct IamError {
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for IamError {
            fn default() -> Self {
                Self {
                    error: Err("no value supplied for error".to_string()),
                }
            }
        }
        impl IamError {
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<IamError> for super::IamError {
            type Error = super::error::ConversionError;
            fn try_from(
                value: IamError,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self { error: value.error? })
            }
        }
        impl ::std::convert::From<super::IamError> for IamError {
            fn from(value: super::IamError) -> Self {
                Self { error: Ok(value.error) }
            }
        }
        #[derive(Clone, Debug)]
        pub struct ResendInviteResponse {
            invite_id: ::std::result::Result<
                ::std::string::String,
                ::std::string::String,
            >,
            message: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for ResendInviteResponse {
            fn default() -> Self {
                Self {
                    invite_id: Err("no value supplied for invite_id".to_string()),
                    message: Err("no value supplied for message".to_string()),
                }
            }
        }
        impl ResendInviteResponse {
            pub fn invite_id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.invite_id = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for invite_id: {e}")
                    });
                self
            }
            pub fn message<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.message = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for message: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<ResendInviteResponse>
        for super::ResendInviteResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: ResendInviteResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    invite_id: value.invite_id?,
                    message: value.message?,
                })
            }
        }
        impl ::std::convert::From<super::ResendInviteResponse> for ResendInviteResponse {
            fn from(value: super::ResendInviteResponse) -> Self {
                Self {
                    invite_id: Ok(value.invite_id),
                    message: Ok(value.message),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct UserInvitationListResult {
            error: ::std::result::Result<
                ::std::option::Option<super::ApiError>,
                ::std::string::String,
            >,
            is_failure: ::std::result::Result<bool, ::std::string::String>,
            is_success: ::std::result::Result<bool, ::std::string::String>,
            value: ::std::result::Result<
                ::std::option::Option<::std::vec::Vec<super::UserInvitationModel>>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for UserInvitationListResult {
            fn default() -> Self {
                Self {
                    error: Err("no value supplied for error".to_string()),
                    is_failure: Err("no value supplied for is_failure".to_string()),
                    is_success: Err("no value supplied for is_success".to_string()),
                    value: Err("no value supplied for value".to_string()),
                }
            }
        }
        impl UserInvitationListResult {
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<super::ApiError>>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn is_failure<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<bool>,
                T::Error: ::std::fmt::Display,
            {
                self.is_failure = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for is_failure: {e}")
                    });
                self
            }
            pub fn is_success<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<bool>,
                T::Error: ::std::fmt::Display,
            {
                self.is_success = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for is_success: {e}")
                    });
                self
            }
            pub fn value<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<::std::vec::Vec<super::UserInvitationModel>>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.value = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for value: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<UserInvitationListResult>
        for super::UserInvitationListResult {
            type Error = super::error::ConversionError;
            fn try_from(
                value: UserInvitationListResult,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    error: value.error?,
                    is_failure: value.is_failure?,
                    is_success: value.is_success?,
                    value: value.value?,
                })
            }
        }
        impl ::std::convert::From<super::UserInvitationListResult>
        for UserInvitationListResult {
            fn from(value: super::UserInvitationListResult) -> Self {
                Self {
                    error: Ok(value.error),
                    is_failure: Ok(value.is_failure),
                    is_success: Ok(value.is_success),
                    value: Ok(value.value),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct UserInvitationModel {
            created_at: ::std::result::Result<
                ::chrono::DateTime<::chrono::offset::Utc>,
                ::std::string::String,
            >,
            email: ::std::result::Result<
                super::UserInvitationModelEmail,
                ::std::string::String,
            >,
            expires_at: ::std::result::Result<
                ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                ::std::string::String,
            >,
            id: ::std::result::Result<::std::num::NonZeroU64, ::std::string::String>,
            status: ::std::result::Result<
                crate::status::InvitationStatus,
                ::std::string::String,
            >,
            tenant_id: ::std::result::Result<
                ::std::option::Option<::std::num::NonZeroU64>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for UserInvitationModel {
            fn default() -> Self {
                Self {
                    created_at: Err("no value supplied for created_at".to_string()),
                    email: Err("no value supplied for email".to_string()),
                    expires_at: Ok(Default::default()),
                    id: Err("no value supplied for id".to_string()),
                    status: Err("no value supplied for status".to_string()),
                    tenant_id: Ok(Default::default()),
                }
            }
        }
        impl UserInvitationModel {
            pub fn created_at<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::chrono::DateTime<::chrono::offset::Utc>>,
                T::Error: ::std::fmt::Display,
            {
                self.created_at = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for created_at: {e}")
                    });
                self
            }
            pub fn email<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::UserInvitationModelEmail>,
                T::Error: ::std::fmt::Display,
            {
                self.email = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for email: {e}")
                    });
                self
            }
            pub fn expires_at<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.expires_at = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for expires_at: {e}")
                    });
                self
            }
            pub fn id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::num::NonZeroU64>,
                T::Error: ::std::fmt::Display,
            {
                self.id = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for id: {e}"));
                self
            }
            pub fn status<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<crate::status::InvitationStatus>,
                T::Error: ::std::fmt::Display,
            {
                self.status = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for status: {e}")
                    });
                self
            }
            pub fn tenant_id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<::std::num::NonZeroU64>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.tenant_id = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for tenant_id: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<UserInvitationModel>
        for super::UserInvitationModel {
            type Error = super::error::ConversionError;
            fn try_from(
                value: UserInvitationModel,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    created_at: value.created_at?,
                    email: value.email?,
                    expires_at: value.expires_at?,
                    id: value.id?,
                    status: value.status?,
                    tenant_id: value.tenant_id?,
                })
            }
        }
        impl ::std::convert::From<super::UserInvitationModel> for UserInvitationModel {
            fn from(value: super::UserInvitationModel) -> Self {
                Self {
                    created_at: Ok(value.created_at),
                    email: Ok(value.email),
                    expires_at: Ok(value.expires_at),
                    id: Ok(value.id),
                    status: Ok(value.status),
                    tenant_id: Ok(value.tenant_id),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct UserInvitationResult {
            error: ::std::result::Result<
                ::std::option::Option<super::ApiError>,
                ::std::string::String,
            >,
            is_failure: ::std::result::Result<bool, ::std::string::String>,
            is_success: ::std::result::Result<bool, ::std::string::String>,
            value: ::std::result::Result<
                ::std::option::Option<super::UserInvitationModel>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for UserInvitationResult {
            fn default() -> Self {
                Self {
                    error: Err("no value supplied for error".to_string()),
                    is_failure: Err("no value supplied for is_failure".to_string()),
                    is_success: Err("no value supplied for is_success".to_string()),
                    value: Err("no value supplied for value".to_string()),
                }
            }
        }
        impl UserInvitationResult {
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<super::ApiError>>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn is_failure<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<bool>,
                T::Error: ::std::fmt::Display,
            {
                self.is_failure = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for is_failure: {e}")
                    });
                self
            }
            pub fn is_success<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<bool>,
                T::Error: ::std::fmt::Display,
            {
                self.is_success = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for is_success: {e}")
                    });
                self
            }
            pub fn value<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<super::UserInvitationModel>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.value = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for value: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<UserInvitationResult>
        for super::UserInvitationResult {
            type Error = super::error::ConversionError;
            fn try_from(
                value: UserInvitationResult,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    error: value.error?,
                    is_failure: value.is_failure?,
                    is_success: value.is_success?,
                    value: value.value?,
                })
            }
        }
        impl ::std::convert::From<super::UserInvitationResult> for UserInvitationResult {
            fn from(value: super::UserInvitationResult) -> Self {
                Self {
                    error: Ok(value.error),
                    is_failure: Ok(value.is_failure),
                    is_success: Ok(value.is_success),
                    value: Ok(value.value),
                }
            }
        }
    }
    /// Error types.
    pub mod error {
        /// Error from a `TryFrom` or `FromStr` implementation.
        pub struct ConversionError(::std::borrow::Cow<'static, str>);
        impl ::std::error::Error for ConversionError {}
        impl ::std::fmt::Display for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl ::std::fmt::Debug for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }
        impl From<&'static str> for ConversionError {
            fn from(value: &'static str) -> Self {
                Self(value.into())
            }
        }
        impl From<String> for ConversionError {
            fn from(value: String) -> Self {
                Self(value.into())
            }
        }
    }
}
#[derive(Clone, Debug)]
/**Client for Invitations API

User invitation management for a multi-tenant admin API.

Two surfaces share one invitation store:

* the **tenant admin surface** (`/tenant/...`), where every body, errors included, is the
  result envelope `{isSuccess, isFailure, error, value}`;
* the **IAM surface** (`/iam/v1/...`), with plain bodies: `{message, inviteId}` on success and
  `{error}` on every failure.

An invitation is `Pending`, `Declined`, `Cancelled` or `Expired`. A pending invitation whose
`expiresAt` has passed reads as `Expired`. Accepting an invitation removes it, so an accepted
invitation is not found on either surface.

Every resend, on either surface, issues a new invitation token (links in earlier emails stop
working), sets `expiresAt` to 48 hours after the resend, and sends one new email to the
original recipient.

Every call needs `Authorization: Bearer <api key>`. A missing or unknown key is 401. A key
without the `usersManager` permission is 403, and so is a key that does not manage the
tenant named in the path. An invitation belonging to a tenant the key does not manage is
never revealed: the by-email lookup and the IAM resend answer 404 for it.

How this document was derived from its three sources, and every contradiction among them,
is recorded in `openapi/DECISIONS.md`.


Version: 1.0.0*/
pub struct Client {
    pub(crate) baseurl: String,
    pub(crate) client: reqwest::Client,
}
impl Client {
    /// Create a new client.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new(baseurl: &str) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let client = {
            let dur = ::std::time::Duration::from_secs(15u64);
            reqwest::ClientBuilder::new().connect_timeout(dur).timeout(dur)
        };
        #[cfg(target_arch = "wasm32")]
        let client = reqwest::ClientBuilder::new();
        Self::new_with_client(baseurl, client.build().unwrap())
    }
    /// Construct a new client with an existing `reqwest::Client`,
    /// allowing more control over its configuration.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new_with_client(baseurl: &str, client: reqwest::Client) -> Self {
        Self {
            baseurl: baseurl.to_string(),
            client,
        }
    }
}
impl ClientInfo<()> for Client {
    fn api_version() -> &'static str {
        "1.0.0"
    }
    fn baseurl(&self) -> &str {
        self.baseurl.as_str()
    }
    fn client(&self) -> &reqwest::Client {
        &self.client
    }
    fn inner(&self) -> &() {
        &()
    }
}
impl ClientHooks<()> for &Client {}
impl Client {
    /**Resend a pending invitation of a tenant

Resends a pending invitation owned by the tenant `tenantId`: the invitation gets a new
token (earlier links stop working) and expires 48 hours after this call, and one new
email goes to the original recipient. Only a `Pending` invitation can be resent here;
any other state is refused with 400 and error code `InvitationNotPending` (the IAM
surface's `resendInvite` reactivates such invitations instead).

The key must have the `usersManager` permission and manage `tenantId`. An id that names
no invitation of this tenant is 404.


Sends a `PUT` request to `/tenant/{tenantId}/admin/user/invitation/resend`

Arguments:
- `tenant_id`: Identifier of the tenant that owns the invitation.
- `id`: Identifier of the invitation to resend.
```ignore
let response = client.resend_invitation()
    .tenant_id(tenant_id)
    .id(id)
    .send()
    .await;
```*/
    pub fn resend_invitation(&self) -> builder::ResendInvitation<'_> {
        builder::ResendInvitation::new(self)
    }
    /**Find the pending invitation sent to an email address

Returns the pending invitation sent to `email`, searched across every tenant the key
manages. The address is compared case-insensitively. Declined, cancelled and expired
invitations are not returned, and accepted ones no longer exist; an invitation of a
tenant the key does not manage is never revealed. In each of those cases the answer
is 404. No tenant id is needed in the request. When the address has several pending
invitations in those tenants (one in each of two tenants, say), the most recently
created one is returned. The key needs the `usersManager` permission, as for resending.


Sends a `GET` request to `/tenant/admin/user/invitations_by_email`

Arguments:
- `email`: Email address the invitation was sent to; compared case-insensitively.
```ignore
let response = client.get_user_invitation_by_email()
    .email(email)
    .send()
    .await;
```*/
    pub fn get_user_invitation_by_email(&self) -> builder::GetUserInvitationByEmail<'_> {
        builder::GetUserInvitationByEmail::new(self)
    }
    /**Resend an invite in any state

Resends the invite `id`, whatever its state: a `Cancelled`, `Declined` or `Expired`
invite becomes `Pending` again. The invite gets a new token (earlier links stop
working) and expires 48 hours after this call, and one new email goes to the original
recipient. The key needs the `usersManager` permission.

With `dryRun=true` the request is validated and the response is the one a real resend
would give, but nothing changes and no email is sent.

With an `Idempotency-Key`, a repeat of the request with the same key returns the first
response again (with the header `Idempotent-Replayed: true`) and does not resend: this
is what makes retrying a resend safe. As in the IETF httpapi draft "The
Idempotency-Key HTTP Header Field", the same key with a different request (another
invite id, or another `dryRun`) is refused with 422, and a repeat that arrives while
the first request with that key is still being processed is refused with 409 (retry
it later with the same key). Keys are scoped to the API key; only a successful real
resend is remembered (for at least 24 hours), so a key whose request failed or was a
dry run can be used again.

404 when no invite has this id: it was never created, it was accepted (and so
removed), or it belongs to a tenant the key does not manage.


Sends a `POST` request to `/iam/v1/users/{id}/actions/resend`

Arguments:
- `id`: The invite's ID. Opaque to clients: send it back exactly as received. (The reference
mock uses the invitation's decimal id.)

- `dry_run`: Validate and simulate the resend without changing anything or sending email.
- `idempotency_key`: A client-chosen key, at most 255 characters. A repeat of the request with the same key
returns the first response and does not resend; the same key with a different request
is 422, and a repeat while the first is still being processed is 409.

- `body`: Optional; an empty object. At most 64 KiB.
```ignore
let response = client.resend_invite()
    .id(id)
    .dry_run(dry_run)
    .idempotency_key(idempotency_key)
    .body(body)
    .send()
    .await;
```*/
    pub fn resend_invite(&self) -> builder::ResendInvite<'_> {
        builder::ResendInvite::new(self)
    }
}
/// Types for composing operation parameters.
#[allow(clippy::all)]
pub mod builder {
    use super::types;
    #[allow(unused_imports)]
    use super::{
        encode_path, ByteStream, ClientInfo, ClientHooks, Error, OperationInfo,
        RequestBuilderExt, ResponseValue,
    };
    /**Builder for [`Client::resend_invitation`]

[`Client::resend_invitation`]: super::Client::resend_invitation*/
    #[derive(Debug, Clone)]
    pub struct ResendInvitation<'a> {
        client: &'a super::Client,
        tenant_id: Result<::std::num::NonZeroU64, String>,
        id: Result<::std::num::NonZeroU64, String>,
    }
    impl<'a> ResendInvitation<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                tenant_id: Err("tenant_id was not initialized".to_string()),
                id: Err("id was not initialized".to_string()),
            }
        }
        pub fn tenant_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::num::NonZeroU64>,
        {
            self.tenant_id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: num :: NonZeroU64` for tenant_id failed"
                        .to_string()
                });
            self
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::num::NonZeroU64>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: num :: NonZeroU64` for id failed"
                        .to_string()
                });
            self
        }
        ///Sends a `PUT` request to `/tenant/{tenantId}/admin/user/invitation/resend`
        pub async fn send(
            self,
        ) -> Result<
            ResponseValue<types::UserInvitationListResult>,
            Error<types::FailureResult>,
        > {
            let Self { client, tenant_id, id } = self;
            let tenant_id = tenant_id.map_err(Error::InvalidRequest)?;
            let id = id.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/tenant/{}/admin/user/invitation/resend", client.baseurl,
                encode_path(& tenant_id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .put(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .query(&progenitor_client::QueryParam::new("id", &id))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "resend_invitation",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                404u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::get_user_invitation_by_email`]

[`Client::get_user_invitation_by_email`]: super::Client::get_user_invitation_by_email*/
    #[derive(Debug, Clone)]
    pub struct GetUserInvitationByEmail<'a> {
        client: &'a super::Client,
        email: Result<types::GetUserInvitationByEmailEmail, String>,
    }
    impl<'a> GetUserInvitationByEmail<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                email: Err("email was not initialized".to_string()),
            }
        }
        pub fn email<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::GetUserInvitationByEmailEmail>,
        {
            self.email = value
                .try_into()
                .map_err(|_| {
                    "conversion to `GetUserInvitationByEmailEmail` for email failed"
                        .to_string()
                });
            self
        }
        ///Sends a `GET` request to `/tenant/admin/user/invitations_by_email`
        pub async fn send(
            self,
        ) -> Result<
            ResponseValue<types::UserInvitationResult>,
            Error<types::FailureResult>,
        > {
            let Self { client, email } = self;
            let email = email.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/tenant/admin/user/invitations_by_email", client.baseurl,
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .query(&progenitor_client::QueryParam::new("email", &email))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "get_user_invitation_by_email",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                404u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::resend_invite`]

[`Client::resend_invite`]: super::Client::resend_invite*/
    #[derive(Debug, Clone)]
    pub struct ResendInvite<'a> {
        client: &'a super::Client,
        id: Result<types::ResendInviteId, String>,
        dry_run: Result<Option<bool>, String>,
        idempotency_key: Result<Option<types::ResendInviteIdempotencyKey>, String>,
        body: Result<types::ResendInviteRequest, String>,
    }
    impl<'a> ResendInvite<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
                dry_run: Ok(None),
                idempotency_key: Ok(None),
                body: Err("body was not initialized".to_string()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::ResendInviteId>,
        {
            self.id = value
                .try_into()
                .map_err(|_| "conversion to `ResendInviteId` for id failed".to_string());
            self
        }
        pub fn dry_run<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<bool>,
        {
            self.dry_run = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `bool` for dry_run failed".to_string());
            self
        }
        pub fn idempotency_key<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::ResendInviteIdempotencyKey>,
        {
            self.idempotency_key = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `ResendInviteIdempotencyKey` for idempotency_key failed"
                        .to_string()
                });
            self
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::ResendInviteRequest>,
        {
            self.body = value
                .try_into()
                .map_err(|_| {
                    "conversion to `ResendInviteRequest` for body failed".to_string()
                });
            self
        }
        ///Sends a `POST` request to `/iam/v1/users/{id}/actions/resend`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::ResendInviteResponse>, Error<types::IamError>> {
            let Self { client, id, dry_run, idempotency_key, body } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let dry_run = dry_run.map_err(Error::InvalidRequest)?;
            let idempotency_key = idempotency_key.map_err(Error::InvalidRequest)?;
            let body = body.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/iam/v1/users/{}/actions/resend", client.baseurl, encode_path(& id
                .to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = idempotency_key {
                header_map.append("Idempotency-Key", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .post(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .query(&progenitor_client::QueryParam::new("dryRun", &dry_run))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "resend_invite",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                404u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                409u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                413u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                422u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
}
/// Items consumers will typically use such as the Client.
pub mod prelude {
    pub use self::super::Client;
}
