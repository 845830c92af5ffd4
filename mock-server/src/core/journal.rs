//! A bounded journal of the requests the mock answered.

use std::borrow::Cow;
use std::collections::VecDeque;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::http::{display_path, truncate};
use super::router::Operation;

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

/// One answered request as kept: what the request already holds, shared rather than
/// formatted, so that recording it under the core's lock allocates nothing for normal
/// requests. [`Journal::entries`] formats.
pub(crate) struct Recorded {
    pub(crate) method: Cow<'static, str>,
    /// The raw path; shares the request's buffer when that is small.
    pub(crate) path: Bytes,
    pub(crate) status: u16,
    pub(crate) operation: Option<Operation>,
    pub(crate) duration_micros: u64,
    pub(crate) at: DateTime<Utc>,
}

/// Past this, a path is copied (cut) instead of shared, so that a kept entry never pins a
/// large request target (the query string shares the path's buffer).
const SHARE_UP_TO: usize = 512;
/// The journal shows at most 256 characters; 4 bytes each at most.
const KEEP_BYTES: usize = 256 * 4;

impl Recorded {
    /// `path` as the journal keeps it.
    pub(crate) fn path(path: &Bytes, query: Option<&Bytes>) -> Bytes {
        if path.len() + query.map_or(0, Bytes::len) <= SHARE_UP_TO {
            path.clone()
        } else {
            Bytes::copy_from_slice(&path[..path.len().min(KEEP_BYTES)])
        }
    }

    fn entry(&self) -> JournalEntry {
        JournalEntry {
            method: truncate(&self.method, 16),
            path: display_path(&self.path),
            status: self.status,
            operation: self.operation.map(|op| op.id().to_owned()),
            duration_micros: self.duration_micros,
            at: self.at,
        }
    }
}

/// The most recent entries.
pub(crate) struct Journal {
    entries: VecDeque<Recorded>,
    capacity: usize,
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Journal {
        Journal {
            entries: VecDeque::new(),
            capacity,
        }
    }

    pub(crate) fn push(&mut self, entry: Recorded) {
        if self.capacity == 0 {
            return;
        }
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries.iter().map(Recorded::entry).collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
