//! Reference mock of the Invitations API (work in progress).
