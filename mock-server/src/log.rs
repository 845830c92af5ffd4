//! The standalone server's log: `tracing` lines batched in memory and written by a
//! background thread, so a request never waits for a write to stderr.
//!
//! One line per request at the default level costs a `write(2)` per line when written
//! directly, which on a loaded machine took about a third of the mock's throughput. Here a
//! request appends its formatted line to a shared buffer (a short, uncontended lock, no
//! system call); a flusher thread writes the buffer out when it passes 32 KiB or every
//! 50 ms, whichever comes first, in one `write(2)`. A terminal or pipe that cannot keep up
//! never stalls a request: past 1 MiB of unwritten lines, new lines are dropped and counted,
//! and the count is logged once the writer catches up. Dropping the [`LogGuard`] writes what
//! is left, so no line is lost at exit.
//!
//! Why not `tracing-appender`'s `non_blocking`: it hands each line to its worker thread
//! through a channel, waking it per line; on a 2-core machine that wake-up costs as much as
//! the write it saves.
//!
//! ```
//! use std::io::Write as _;
//! use invitations_mock::log::BatchWriter;
//!
//! let sink = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
//! # #[derive(Clone)] struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
//! # impl std::io::Write for Shared {
//! #     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
//! #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
//! # }
//! let (writer, guard) = BatchWriter::new(Shared(sink.clone()));
//! writer.line().write_all(b"one line\n").unwrap();
//! drop(guard); // flushes
//! assert_eq!(&*sink.lock().unwrap(), b"one line\n");
//! ```

use std::cell::RefCell;
use std::io::{self, IsTerminal as _, Write};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// The flusher writes at least this often while lines are waiting.
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// A buffer this full wakes the flusher early.
const WAKE_AT: usize = 32 * 1024;
/// Unwritten bytes beyond which new lines are dropped (and counted).
const CAPACITY: usize = 1024 * 1024;

/// Sets up the binary's log on stderr and returns the guard that flushes it.
///
/// The level comes from `RUST_LOG` when it is set; otherwise it is `info` (one line per
/// request), or `warn` when `quiet` is true (no request lines). Keep the guard alive until
/// the process ends.
pub fn init(quiet: bool) -> LogGuard {
    let default = if quiet { "warn" } else { "info" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let (writer, guard) = BatchWriter::new(io::stderr());
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer.clone())
        .with_ansi(io::stderr().is_terminal())
        .try_init()
        .is_ok();
    if installed {
        let _ = REQUEST_LINES.set(Lines {
            writer,
            // The filter is fixed once installed, so this is asked once, not per request.
            requests: tracing::enabled!(target: "invitations_mock::request", tracing::Level::INFO),
        });
    }
    guard
}

/// The log [`init`] installed: its writer, and whether its level lets [`request`] lines
/// through.
struct Lines {
    writer: BatchWriter,
    requests: bool,
}

/// Set by [`init`] once it installed the log.
static REQUEST_LINES: OnceLock<Lines> = OnceLock::new();

thread_local! {
    /// The line being built, and the formatted second it starts with.
    static LINE: RefCell<(Vec<u8>, u64, String)> = const { RefCell::new((Vec::new(), u64::MAX, String::new())) };
}

/// Logs one answered request at `INFO`, target `invitations_mock::request`, as
/// `<time>  INFO invitations_mock::request: request method=GET path=/x status=200 duration_ms=0.123`.
///
/// `path` must hold no query string: queries carry emails and tokens. The line honours the
/// level (`--quiet`, `RUST_LOG`, e.g. `RUST_LOG=info,invitations_mock::request=off`). With
/// the log of [`init`] it is formatted here, without tracing's field machinery (a few hundred
/// nanoseconds instead of microseconds, on every request); otherwise it is an ordinary
/// tracing event for whatever subscriber is installed.
pub fn request(method: &str, path: &[u8], status: u16, elapsed: Duration) {
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    let Some(lines) = REQUEST_LINES.get() else {
        tracing::info!(
            target: "invitations_mock::request",
            method,
            path = %crate::core::http::display_path(path),
            status,
            duration_ms = format_args!("{}.{:03}", micros / 1000, micros % 1000),
            "request"
        );
        return;
    };
    if !lines.requests {
        return;
    }
    write_line(
        &lines.writer,
        b"invitations_mock::request: request",
        &Fields {
            method,
            path,
            operation: None,
            status,
            micros,
        },
    );
}

/// Logs one proxied exchange at `INFO`, target `invitations_mock::proxy::transport`, as
/// `<time>  INFO invitations_mock::proxy::transport: exchange method=GET path=/x
/// operation="GetUserInvitationByEmail" status=200 duration_ms=0.123`, formatted like
/// [`request`]. Returns false, writing nothing, when the log of [`init`] is not installed:
/// the caller then emits an ordinary tracing event. The caller checks the level first.
///
/// `path` must hold no query string; `method` and `operation` are printed as given (the
/// method as hyper parsed it, the operation an operationId or `-`).
pub fn exchange(method: &str, path: &str, operation: &str, status: u16, elapsed: Duration) -> bool {
    let Some(Lines { writer, .. }) = REQUEST_LINES.get() else {
        return false;
    };
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    write_line(
        writer,
        b"invitations_mock::proxy::transport: exchange",
        &Fields {
            method,
            path: path.as_bytes(),
            operation: Some(operation),
            status,
            micros,
        },
    );
    true
}

/// At most 16 characters of a method, borrowed when it is that short (always, in practice).
fn short_method(method: &str) -> std::borrow::Cow<'_, str> {
    if method.len() <= 16 {
        method.into()
    } else {
        crate::core::http::truncate(method, 16).into()
    }
}

/// The fields of a [`request`] or [`exchange`] line.
struct Fields<'a> {
    method: &'a str,
    /// No query string.
    path: &'a [u8],
    /// The proxy's operationId (or `-`); the mock's lines have none.
    operation: Option<&'a str>,
    status: u16,
    micros: u64,
}

/// Builds `<time>  INFO <head> method=.. path=.. [operation=".."] status=.. duration_ms=..\n`
/// in the thread's line buffer and hands it to `writer`. Pieces are pushed directly: `write!`
/// goes through `fmt` piece by piece, which was most of a line's cost on every request.
fn write_line(writer: &BatchWriter, head: &[u8], fields: &Fields<'_>) {
    LINE.with_borrow_mut(|(line, second, stamp)| {
        line.clear();
        let now = now_stamp(second, stamp);
        line.extend_from_slice(stamp.as_bytes());
        line.push(b'.');
        push_padded(line, u64::from(now.subsec_micros()), 6);
        line.extend_from_slice(b"Z  INFO ");
        line.extend_from_slice(head);
        line.extend_from_slice(b" method=");
        line.extend_from_slice(short_method(fields.method).as_bytes());
        line.extend_from_slice(b" path=");
        push_path(line, fields.path);
        if let Some(operation) = fields.operation {
            line.extend_from_slice(b" operation=\"");
            line.extend_from_slice(operation.as_bytes());
            line.push(b'"');
        }
        line.extend_from_slice(b" status=");
        push_padded(line, u64::from(fields.status), 1);
        line.extend_from_slice(b" duration_ms=");
        push_padded(line, fields.micros / 1000, 1);
        line.push(b'.');
        push_padded(line, fields.micros % 1000, 3);
        line.push(b'\n');
        let _ = writer.line().write_all(line);
    });
}

/// A request path as the log shows it: at most 256 characters, never a control character.
fn push_path(line: &mut Vec<u8>, path: &[u8]) {
    match std::str::from_utf8(path) {
        // hyper hands over ASCII paths; cut them like display_path, without copying.
        Ok(text) if text.is_ascii() => line.extend_from_slice(&path[..path.len().min(256)]),
        _ => line.extend_from_slice(crate::core::http::display_path(path).as_bytes()),
    }
}

/// The time now, with `stamp` updated to its second (`%Y-%m-%dT%H:%M:%S`) when `second`
/// changed: formatting the date once a second instead of once a line.
fn now_stamp(second: &mut u64, stamp: &mut String) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    if now.as_secs() != *second {
        *second = now.as_secs();
        *stamp = chrono::DateTime::from_timestamp(now.as_secs() as i64, 0)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string();
    }
    now
}

/// Appends `value` in decimal, zero-padded to at least `width` digits.
fn push_padded(line: &mut Vec<u8>, value: u64, width: usize) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(value).as_bytes();
    line.resize(line.len() + width.saturating_sub(digits.len()), b'0');
    line.extend_from_slice(digits);
}

/// A [`MakeWriter`] whose writes land in a shared in-memory buffer that a background
/// thread writes to the underlying writer in batches (see the module documentation).
#[derive(Clone, Debug)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    /// How often a line woke the flusher: the test that keeps it once per batch reads it.
    #[cfg(test)]
    wakes: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Default)]
struct State {
    buf: Vec<u8>,
    dropped: u64,
    closing: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while appending bytes leaves the buffer usable: keep logging.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl BatchWriter {
    /// A batching writer in front of `out`, and the guard that stops its flusher thread
    /// after writing everything still buffered.
    pub fn new<W: Write + Send + 'static>(out: W) -> (BatchWriter, LogGuard) {
        BatchWriter::flushing_every(out, FLUSH_EVERY)
    }

    /// [`BatchWriter::new`] with its timer set to `every`.
    fn flushing_every<W: Write + Send + 'static>(
        out: W,
        every: Duration,
    ) -> (BatchWriter, LogGuard) {
        let shared = Arc::new(Shared::default());
        let flusher = Arc::clone(&shared);
        let (done_tx, done) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("log-flusher".into())
            .spawn(move || {
                flush_loop(&flusher, out, every);
                let _ = done_tx.send(());
            });
        let writer = BatchWriter {
            shared: Arc::clone(&shared),
        };
        match thread {
            Ok(thread) => (
                writer,
                LogGuard {
                    shared,
                    flusher: Some((thread, done)),
                },
            ),
            Err(err) => {
                // No thread, no log: say so once rather than fail to serve.
                eprintln!("invitations-mock: cannot start the log thread ({err}); logging off");
                shared.lock().closing = true;
                (
                    writer,
                    LogGuard {
                        shared,
                        flusher: None,
                    },
                )
            }
        }
    }

    /// A handle that appends to the buffer; each `write` call is kept whole or dropped whole.
    pub fn line(&self) -> LineWriter<'_> {
        LineWriter {
            shared: &self.shared,
        }
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        self.line()
    }
}

/// What [`BatchWriter::line`] returns: appends to the shared buffer, never blocks on I/O.
#[derive(Debug)]
pub struct LineWriter<'a> {
    shared: &'a Shared,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut state = self.shared.lock();
        if state.closing {
            // After shutdown (or without a flusher) nothing would ever write it out.
            return Ok(bytes.len());
        }
        let before = state.buf.len();
        if before + bytes.len() > CAPACITY {
            state.dropped += 1;
            return Ok(bytes.len());
        }
        state.buf.extend_from_slice(bytes);
        // Only on crossing: a wake-up per line is the cost this writer avoids.
        let crossed = before < WAKE_AT && state.buf.len() >= WAKE_AT;
        drop(state);
        if crossed {
            #[cfg(test)]
            self.shared
                .wakes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // After unlocking: a flusher woken under the lock would only block on it again.
            self.shared.wake.notify_one();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn flush_loop(shared: &Shared, mut out: impl Write, every: Duration) {
    let mut batch = Vec::new();
    loop {
        let (dropped, closing) = {
            let state = shared.lock();
            let (mut state, _) = shared
                .wake
                .wait_timeout_while(state, every, |s| s.buf.len() < WAKE_AT && !s.closing)
                .unwrap_or_else(PoisonError::into_inner);
            std::mem::swap(&mut state.buf, &mut batch);
            (std::mem::take(&mut state.dropped), state.closing)
        };
        if dropped > 0 {
            let _ = writeln!(
                out,
                "invitations-mock: {dropped} log line(s) dropped: the log output did not keep up"
            );
        }
        if !batch.is_empty() {
            // A failed write (closed stderr) must not stop the flusher or the server.
            let _ = out.write_all(&batch);
            let _ = out.flush();
            batch.clear();
            if batch.capacity() > 4 * WAKE_AT {
                // A burst grew it; do not keep that memory for the rest of the run.
                batch.shrink_to(WAKE_AT);
            }
        }
        if closing {
            return;
        }
    }
}

/// How long dropping the [`LogGuard`] waits for the last lines to be written: an output
/// that stays blocked (a suspended terminal) must not keep the process from exiting.
const EXIT_WAIT: Duration = Duration::from_secs(5);

/// Flushes the log and stops its thread when dropped (waiting at most 5 s for a blocked
/// output).
#[derive(Debug)]
#[must_use = "dropping the guard stops the log; keep it until the process ends"]
pub struct LogGuard {
    shared: Arc<Shared>,
    flusher: Option<(JoinHandle<()>, mpsc::Receiver<()>)>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.wake.notify_one();
        if let Some((thread, done)) = self.flusher.take()
            && done.recv_timeout(EXIT_WAIT).is_ok()
        {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn numbers_are_padded_as_format_does() {
        for (value, width) in [(0, 1), (7, 3), (123, 3), (1234, 3), (42, 6), (u64::MAX, 1)] {
            let mut line = Vec::new();
            push_padded(&mut line, value, width);
            assert_eq!(String::from_utf8(line).unwrap(), format!("{value:0width$}"));
        }
    }

    #[test]
    fn every_line_is_written_by_the_time_the_guard_is_dropped() {
        let sink = Sink::default();
        let (writer, guard) = BatchWriter::new(sink.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        // One write per line, as tracing's fmt layer does.
                        let line = format!("thread {t} line {i}\n");
                        writer.line().write_all(line.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 4000);
        for t in 0..4 {
            let mine: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with(&format!("thread {t} ")))
                .collect();
            let expected: Vec<String> = (0..1000).map(|i| format!("thread {t} line {i}")).collect();
            assert_eq!(mine, expected, "lines of thread {t} lost or reordered");
        }
    }

    /// Reports the size of each write to the output.
    struct Signal(mpsc::Sender<usize>);

    impl Write for Signal {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let _ = self.0.send(b.len());
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_wakes_the_flusher_only_when_the_buffer_passes_the_threshold() {
        // No flusher thread: only the writer's side is looked at.
        let shared = Shared::default();
        let mut line = LineWriter { shared: &shared };
        let wakes = || shared.wakes.load(std::sync::atomic::Ordering::Relaxed);
        let kib = [b'x'; 1024];
        for _ in 1..WAKE_AT / kib.len() {
            line.write_all(&kib).unwrap();
        }
        assert_eq!(wakes(), 0, "a wake-up before the threshold");
        line.write_all(&kib).unwrap();
        assert_eq!(shared.lock().buf.len(), WAKE_AT);
        assert_eq!(wakes(), 1, "no wake-up on reaching the threshold");
        // Past it, the flusher is already awake: no more wake-ups.
        line.write_all(&kib).unwrap();
        assert_eq!(wakes(), 1, "a wake-up after the threshold");
    }

    #[test]
    fn a_buffer_passing_the_wake_threshold_is_written_without_waiting_for_the_timer() {
        let (sent, written) = mpsc::channel();
        // A timer that never fires during the test: only the threshold can start a write.
        let (writer, guard) = BatchWriter::flushing_every(Signal(sent), Duration::from_secs(3600));
        let kib = [b'x'; 1024];
        for round in 0..2 {
            for _ in 1..WAKE_AT / kib.len() {
                writer.line().write_all(&kib).unwrap();
            }
            // Time for a flusher that does not wait for the threshold to show it.
            std::thread::sleep(Duration::from_millis(100));
            assert!(
                written.try_recv().is_err(),
                "round {round}: written before the threshold"
            );
            writer.line().write_all(&kib).unwrap();
            let bytes = written
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| {
                    panic!("round {round}: {WAKE_AT} bytes did not wake the flusher")
                });
            assert_eq!(bytes, WAKE_AT, "round {round}");
        }
        drop(guard);
    }

    /// A writer that blocks until released: a terminal nobody reads.
    struct Stuck(Arc<(Mutex<bool>, Condvar)>, Sink);

    impl Write for Stuck {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let (released, cv) = &*self.0;
            let mut go = released.lock().unwrap();
            while !*go {
                go = cv.wait(go).unwrap();
            }
            self.1.write(b)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stuck_output_drops_and_counts_lines_instead_of_blocking_writers() {
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let sink = Sink::default();
        let (writer, guard) = BatchWriter::new(Stuck(gate.clone(), sink.clone()));
        let mut line = vec![b'x'; 1023];
        line.push(b'\n');
        // Far more than the capacity; every call returns although nothing is written.
        for _ in 0..(4 * CAPACITY / 1024) {
            writer.line().write_all(&line).unwrap();
        }
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        drop(guard);
        let out = sink.0.lock().unwrap().clone();
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("log line(s) dropped"), "no drop notice");
        let kept = text.lines().filter(|l| l.starts_with('x')).count();
        assert!(kept > 0 && kept < 4 * CAPACITY / 1024, "kept {kept}");
        assert!(text
            .lines()
            .all(|l| l.len() == 1023 || l.contains("dropped")));
    }
}
