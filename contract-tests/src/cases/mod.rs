//! The cases: every operation × documented status, the auth and validation cases, and the
//! behaviour DESIGN.md describes. What a case is lives in `case`, the steps several case files
//! share in `steps`; this module only gathers the cases.

mod behaviour;
mod boundaries;
mod by_email;
mod case;
mod iam_resend;
mod steps;
mod tenant_resend;

pub use case::{Case, CaseFn, Needs};

/// Every case of the suite.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(tenant_resend::cases());
    cases.extend(by_email::cases());
    cases.extend(iam_resend::cases());
    cases.extend(behaviour::cases());
    cases.extend(boundaries::cases());
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_are_unique() {
        let mut names: Vec<_> = all().iter().map(|c| c.name).collect();
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), before, "two cases share a snapshot name");
    }

    #[test]
    fn every_case_covers_a_documented_status() {
        let spec = invitations_spec::Spec::get();
        for case in all() {
            spec.response(case.op.id(), case.status)
                .unwrap_or_else(|err| panic!("{}: {err}", case.name));
        }
    }
}
