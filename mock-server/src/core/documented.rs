//! Figures the documents fix, shared by the store (which applies them) and the fixture
//! (which checks a starting state against them). A module of their own, so that neither of
//! the two imports the other for them.

/// How long a link stays valid after a resend (and, by default, after creation).
pub const INVITATION_LIFETIME_HOURS: i64 = 48;

/// The permission a key needs for every operation of both surfaces.
pub const USERS_MANAGER: &str = "usersManager";
