//! What both halves of `api-diff` give and the command weighs: one classified change, its
//! level, and the verdict of several.

/// How much a change matters to a client of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing a client sends or receives changes (documentation, examples).
    Patch,
    /// A compatible change: what worked before still works.
    Minor,
    /// A breaking change: some client that followed the old contract may now fail.
    Major,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

/// One classified change: where, and what it is with why it has its level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub level: Level,
    /// The operation and the part of it (`resendInvite 200 body .inviteId`), or the Rust
    /// item for the Rust half.
    pub place: String,
    pub what: String,
}

/// The highest level among `changes`; patch when there are none.
pub fn verdict(changes: &[Change]) -> Level {
    changes
        .iter()
        .map(|c| c.level)
        .max()
        .unwrap_or(Level::Patch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_is_the_highest_level() {
        let change = |level| Change {
            level,
            place: "x".into(),
            what: "y".into(),
        };
        assert_eq!(verdict(&[]), Level::Patch);
        assert_eq!(
            verdict(&[change(Level::Minor), change(Level::Patch)]),
            Level::Minor
        );
        assert_eq!(
            verdict(&[
                change(Level::Minor),
                change(Level::Major),
                change(Level::Patch)
            ]),
            Level::Major
        );
    }
}
