//! A bounded journal of the requests the mock answered.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One answered request. It holds no header, query string or body, so it never carries an
/// API key or a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// The HTTP method.
    pub method: String,
    /// The path, without the query string (at most 256 characters).
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// The operationId, or `None` for the admin API and unknown routes.
    pub operation: Option<String>,
    /// Time spent in the core plus any injected delay.
    pub duration_micros: u64,
    /// When it arrived (mock clock).
    pub at: DateTime<Utc>,
}

/// The most recent entries.
pub(crate) struct Journal {
    entries: VecDeque<JournalEntry>,
    capacity: usize,
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Journal {
        Journal {
            entries: VecDeque::new(),
            capacity,
        }
    }

    pub(crate) fn push(&mut self, entry: JournalEntry) {
        if self.capacity == 0 {
            return;
        }
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
