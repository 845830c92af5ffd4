//! The calls the SDK bench compares, shared by the criterion bench (`benches/sdk.rs`) and the
//! instruction-count driver (`examples/sdk_calls.rs`), so that both time the same code.

use invitations_bench::{API_KEY, BY_EMAIL_BODY, PENDING_EMAIL};
use invitations_sdk::types::{UserInvitationModel, UserInvitationResult};

/// The variants, by the name criterion files them under (`by_email_round<N>/<name>`), in the
/// order a round measures them (reversed every other round): the SDK and the reference of its
/// ratio, raw reqwest set up alike, side by side, so that the load on the machine drifts as
/// little as possible between the two windows whose ratio is taken.
pub const VARIANTS: [&str; 4] = ["sdk", "raw_reqwest_sdk_config", "generated", "raw_reqwest"];

/// One current-thread runtime for the client and, unless `BENCH_BASE_URL` is set, the bare
/// server too: client and server then take turns on one thread, so a call costs the CPU work
/// of both and no cross-thread wake-up (on an idle VM, waking a parked vCPU costs more than
/// the call itself and varies with whatever else runs).
pub fn runtime_and_server() -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Ok(url) = std::env::var("BENCH_BASE_URL") {
        return (rt, url.trim_end_matches('/').to_owned());
    }
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(invitations_bench::bare::serve(
        listener,
        BY_EMAIL_BODY.into(),
    ));
    (rt, url)
}

/// The clients of every variant, built once and reused across calls.
pub struct Clients {
    sdk: invitations_sdk::Client,
    raw: reqwest::Client,
    raw_configured: reqwest::Client,
    base: String,
    auth: String,
}

impl Clients {
    /// Clients of `base`, each checked to answer the same invitation.
    pub fn new(rt: &tokio::runtime::Runtime, base: &str) -> Clients {
        let sdk = invitations_sdk::Client::builder()
            .base_url(base)
            .api_key(API_KEY)
            .build()
            .unwrap();
        // What a user writing the call by hand would do: one default client.
        let raw = reqwest::Client::new();
        // Raw reqwest configured like the SDK's client (timeouts, user agent): the reference
        // of the ratio, since a timeout costs reqwest a timer per request.
        let raw_configured = reqwest::Client::builder()
            .user_agent(invitations_sdk::DEFAULT_USER_AGENT)
            .connect_timeout(invitations_sdk::DEFAULT_CONNECT_TIMEOUT)
            .timeout(invitations_sdk::DEFAULT_TIMEOUT)
            .build()
            .unwrap();
        let clients = Clients {
            sdk,
            raw,
            raw_configured,
            auth: format!("Bearer {API_KEY}"),
            base: base.to_owned(),
        };
        // Every variant must answer the same invitation before anything is measured.
        let ids: Vec<_> = VARIANTS
            .iter()
            .map(|variant| rt.block_on(clients.call(variant)).id)
            .collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        clients
    }

    /// One call of `variant` (one of [`VARIANTS`]).
    pub async fn call(&self, variant: &str) -> UserInvitationModel {
        match variant {
            "sdk" => self.sdk.invitation_by_email(PENDING_EMAIL).await.unwrap(),
            "generated" => {
                let resp = self
                    .sdk
                    .generated()
                    .get_user_invitation_by_email()
                    .email(PENDING_EMAIL)
                    .send()
                    .await
                    .unwrap();
                resp.into_inner().value.expect("a value")
            }
            "raw_reqwest" => raw_call(&self.raw, &self.base, PENDING_EMAIL, &self.auth).await,
            "raw_reqwest_sdk_config" => {
                raw_call(&self.raw_configured, &self.base, PENDING_EMAIL, &self.auth).await
            }
            other => panic!("no variant {other:?}; one of {VARIANTS:?}"),
        }
    }
}

/// The by-email call written by hand, as a user would for an email known only at the call:
/// the URL built per call with the email encoded as a query value (`+` and `@` must be), the
/// same headers as the SDK sends (key, `Accept`, `api-version`), the body decoded with
/// `serde_json` into the same generated type.
async fn raw_call(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    auth: &str,
) -> UserInvitationModel {
    let resp = client
        .get(format!("{base}/tenant/admin/user/invitations_by_email"))
        .query(&[("email", email)])
        .header(reqwest::header::AUTHORIZATION, auth)
        .header(reqwest::header::ACCEPT, "application/json")
        .header("api-version", "1.0.0")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let bytes = resp.bytes().await.unwrap();
    let envelope: UserInvitationResult = serde_json::from_slice(&bytes).unwrap();
    envelope.value.expect("a value")
}
