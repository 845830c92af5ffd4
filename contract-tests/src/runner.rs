//! Runs cases against a target, checks their snapshots, and reports.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use invitations_spec::Spec;
use tokio::sync::Semaphore;

use crate::cases::{Case, Needs};
use crate::context::{Ctx, Note, Op};
use crate::decision::Decision;
use crate::snapshot;
use crate::target::{embedded_data, Profile, TargetData, TargetSpec};

/// How many cases run at once (unless the harness's `--test-threads` says otherwise): each
/// mostly waits on its own server, so more than the machine's cores.
pub const PARALLEL_CASES: usize = 8;

/// One running target for one case. Dropping it stops an embedded mock.
pub struct TargetInstance {
    /// The API's base URL.
    pub base_url: String,
    /// The mock's admin API base URL, when the target has one.
    pub admin_url: Option<String>,
    /// What the target holds.
    pub data: TargetData,
    /// Keeps the target alive (an embedded mock) for the case's duration.
    pub guard: Box<dyn std::any::Any + Send>,
}

/// Makes a fresh [`TargetInstance`] per case.
pub type TargetFactory =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = TargetInstance> + Send>> + Send + Sync>;

/// A target: a name, whether it has the admin API, its data and a factory.
#[derive(Clone)]
pub struct Target {
    /// For reports.
    pub name: String,
    /// Whether cases needing the admin API can run.
    pub has_admin: bool,
    /// What the target holds and allows (the same data every instance gets).
    pub data: TargetData,
    /// Makes an instance per case.
    pub factory: TargetFactory,
}

impl Target {
    /// A fresh embedded mock (default fixture) per case.
    pub fn embedded() -> Target {
        Target {
            name: "embedded mock".into(),
            has_admin: true,
            data: embedded_data(),
            factory: Arc::new(|| {
                Box::pin(async {
                    let mock = invitations_mock::InvitationsMock::start().await;
                    TargetInstance {
                        base_url: mock.uri(),
                        admin_url: Some(mock.uri()),
                        data: embedded_data(),
                        guard: Box::new(mock),
                    }
                })
            }),
        }
    }

    /// A fresh embedded mock per case, answering as its conforming variant
    /// ([`invitations_mock::core::Variant::Alternative`]: the other choice for every
    /// [`Decision`], only required fields, 403 before 400, other
    /// wording) and used like a deployment that is not strict: no admin API, its own body
    /// limit named. The suite must pass here exactly as on the mock;
    /// [`Target::strict`] on, it must fail exactly the cases that name a decision.
    pub fn embedded_alternative() -> Target {
        use invitations_mock::core::variant::ALTERNATIVE_MAX_BODY_BYTES;
        use invitations_mock::core::{Clock, Core, CoreConfig, Variant};
        let data = TargetData {
            name: "conforming variant of the mock".into(),
            max_body_bytes: Some(ALTERNATIVE_MAX_BODY_BYTES as u64),
            strict: false,
            ..embedded_data()
        };
        Target {
            name: data.name.clone(),
            has_admin: false,
            data: data.clone(),
            factory: Arc::new(move || {
                let data = data.clone();
                Box::pin(async move {
                    let core = Core::with_config(
                        invitations_mock::Fixture::default(),
                        CoreConfig::for_variant(Variant::Alternative),
                        Clock::system(),
                    );
                    let mock = invitations_mock::InvitationsMock::start_with_core(core).await;
                    TargetInstance {
                        base_url: mock.uri(),
                        admin_url: None,
                        data,
                        guard: Box::new(mock),
                    }
                })
            }),
        }
    }

    /// The same target, held to the mock's own choices (`strict`) or not, whatever its
    /// profile says.
    pub fn strict(self, strict: bool) -> Target {
        let inner = self.factory;
        let mut data = self.data;
        data.strict = strict;
        Target {
            name: self.name,
            has_admin: self.has_admin,
            data,
            factory: Arc::new(move || {
                let inner = inner.clone();
                Box::pin(async move {
                    let mut instance = inner().await;
                    instance.data.strict = strict;
                    instance
                })
            }),
        }
    }

    /// The target a [`TargetSpec`] names.
    pub fn from_spec(spec: &TargetSpec) -> Target {
        match spec {
            TargetSpec::Embedded => Target::embedded(),
            TargetSpec::EmbeddedAlternative => Target::embedded_alternative(),
            TargetSpec::Profile(_, profile) => Target::profile(profile),
        }
    }

    /// A deployment from a profile. The admin API is never used on one.
    pub fn profile(profile: &Profile) -> Target {
        let data = profile.data();
        Target::deployment(data.name.clone(), profile.base_url.clone(), data)
    }

    /// The server at `base_url`, used as a deployment described by `data`: every case
    /// talks to that one server, without its admin API.
    pub fn deployment(name: impl Into<String>, base_url: String, data: TargetData) -> Target {
        Target {
            name: name.into(),
            has_admin: false,
            data: data.clone(),
            factory: Arc::new(move || {
                let (data, base_url) = (data.clone(), base_url.clone());
                Box::pin(async move {
                    TargetInstance {
                        base_url,
                        admin_url: None,
                        data,
                        guard: Box::new(()),
                    }
                })
            }),
        }
    }
}

/// How a case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Its checks and its snapshot passed.
    Passed,
    /// Why it failed.
    Failed(String),
    /// Why it did not run on this target.
    Skipped(String),
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// The case's name.
    pub name: &'static str,
    /// The operation it covers.
    pub op: Op,
    /// The documented status it covers.
    pub status: u16,
    /// How it ended.
    pub verdict: Verdict,
    /// The decisions of ours the case relies on (its data).
    pub decisions: &'static [Decision],
    /// What the case saw beyond its verdict: allowed and decided answers, extra checks.
    pub notes: Vec<Note>,
    /// The last request it sent (`METHOD path?query`, no credentials), for a failure.
    pub last_request: Option<String>,
    /// How long it took.
    pub elapsed: Duration,
}

/// Why a case cannot run on a target, decided before it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    /// What is missing, in a few words (shown next to the case's name by the harness).
    pub label: &'static str,
    /// The whole reason (the report, the operation × status table and JUnit).
    pub reason: String,
}

impl Skip {
    fn new(label: &'static str, reason: &str) -> Option<Skip> {
        Some(Skip {
            label,
            reason: reason.to_owned(),
        })
    }
}

/// Whether the case can run on `target`, or why not.
pub fn skip_reason(case: &Case, target: &Target) -> Option<Skip> {
    let data = &target.data;
    match case.needs {
        Needs::Admin if !target.has_admin => Skip::new(
            "needs the admin API",
            "needs the mock's admin API (fault injection or its clock): runs on the embedded mock only",
        ),
        Needs::Mutations if !data.allow_mutations => Skip::new(
            "needs allow_mutations",
            "allow_mutations is false: it sends a resend naming an existing invitation",
        ),
        Needs::DryRun if !data.allow_dry_run => Skip::new(
            "needs allow_dry_run",
            "neither allow_dry_run nor allow_mutations is set: it sends dry-run resends",
        ),
        Needs::BodyLimit if data.max_body_bytes.is_none() => Skip::new(
            "needs max_body_bytes",
            "the profile names no max_body_bytes: the body limit is each deployment's own choice",
        ),
        Needs::Reactivation if !data.allow_mutations => Skip::new(
            "needs allow_mutations",
            "allow_mutations is false: it resends invitations to bring them back",
        ),
        Needs::Reactivation if data.invitations.reactivate.is_none() => Skip::new(
            "needs invitations.reactivate",
            "the profile names no [invitations.reactivate] invitations (one per state)",
        ),
        Needs::Accepted if data.invitations.accepted.is_none() && !target.has_admin => Skip::new(
            "needs invitations.accepted",
            "the profile names no [invitations.accepted] invitation",
        ),
        _ => None,
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panic".into())
}

/// A report for a case that did not run on the target, and why.
pub fn skipped(case: &Case, skip: Skip) -> CaseReport {
    CaseReport {
        name: case.name,
        op: case.op,
        status: case.status,
        verdict: Verdict::Skipped(skip.reason),
        decisions: case.decisions,
        notes: Vec::new(),
        last_request: None,
        elapsed: Duration::ZERO,
    }
}

/// Runs `case` on a fresh instance of `target` and checks its snapshot, whatever the case
/// needs: the caller has checked [`skip_reason`]. A panicking case is reported as failed.
pub async fn execute(case: Case, target: &Target) -> CaseReport {
    let started = Instant::now();
    let instance = (target.factory)().await;
    let mut ctx = Ctx::new(
        instance.data.clone(),
        instance.base_url,
        instance.admin_url,
        case.decisions,
    );
    let outcome = AssertUnwindSafe((case.run)(&mut ctx)).catch_unwind().await;
    drop(instance.guard);
    let after = ctx
        .last_request()
        .map(|r| format!("\n(last request: {r})"))
        .unwrap_or_default();
    let verdict = match outcome {
        Ok(Ok(())) => match snapshot::check(case.name, &ctx.snapshot()) {
            Ok(()) => Verdict::Passed,
            Err(why) => Verdict::Failed(why),
        },
        Ok(Err(why)) => Verdict::Failed(format!("{why}{after}")),
        Err(panic) => Verdict::Failed(format!(
            "the case panicked (a bug in the suite): {}{after}",
            panic_message(&*panic)
        )),
    };
    CaseReport {
        name: case.name,
        op: case.op,
        status: case.status,
        verdict,
        decisions: case.decisions,
        notes: ctx.notes().to_vec(),
        last_request: ctx.last_request().map(str::to_owned),
        elapsed: started.elapsed(),
    }
}

async fn run_case(case: Case, target: Target) -> CaseReport {
    match skip_reason(&case, &target) {
        Some(skip) => skipped(&case, skip),
        None => execute(case, &target).await,
    }
}

/// Runs `cases` against `target`, several at once, in the order given.
pub async fn run(cases: Vec<Case>, target: &Target) -> Vec<CaseReport> {
    let permits = Arc::new(Semaphore::new(PARALLEL_CASES));
    let handles: Vec<_> = cases
        .into_iter()
        .map(|case| {
            let (permits, target) = (permits.clone(), target.clone());
            tokio::spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .expect("semaphore is never closed");
                run_case(case, target).await
            })
        })
        .collect();
    let mut reports = Vec::with_capacity(handles.len());
    for handle in handles {
        reports.push(handle.await.expect("run_case catches panics"));
    }
    reports
}

/// Operation × documented status pairs of the spec that no case covers.
pub fn coverage_gaps(cases: &[Case]) -> Vec<(String, u16)> {
    let covered: std::collections::BTreeSet<(&str, u16)> =
        cases.iter().map(|c| (c.op.id(), c.status)).collect();
    Spec::get()
        .operations()
        .into_iter()
        .flat_map(|op| {
            op.statuses
                .into_iter()
                .map(move |status| (op.id.clone(), status))
        })
        .filter(|(op, status)| !covered.contains(&(op.as_str(), *status)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::all;

    #[test]
    fn every_documented_status_has_a_case() {
        assert_eq!(coverage_gaps(&all()), Vec::<(String, u16)>::new());
    }

    #[test]
    fn the_gate_notices_a_missing_case() {
        let without_413: Vec<_> = all()
            .into_iter()
            .filter(|c| !(c.op == Op::ResendInvite && c.status == 413))
            .collect();
        assert_eq!(
            coverage_gaps(&without_413),
            vec![("resendInvite".to_owned(), 413)]
        );
    }
}
