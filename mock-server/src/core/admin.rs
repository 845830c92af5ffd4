//! The admin API under `/__admin/`: what tests and people use to look inside the mock and
//! steer it (clock, faults, accepting links). Every body is JSON; every error is
//! `{"error": "..."}`.

// Handlers here answer `Result<Response, Response>`: both sides are the same type, sent as
// is, so boxing the error would only add an allocation (the admin API is off the hot path).
#![allow(clippy::result_large_err)]

use chrono::{DateTime, Duration, Utc};
use invitations_sdk::InvitationStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::clock::Clock;
use super::errors::{body_too_large, method_not_allowed, plain_error};
use super::faults::Fault;
use super::http::{truncate, Request, Response};
use super::router::Surface;
use super::store::{AcceptError, InvitationRecord, NewInvitation, SentEmail};
use super::validate::parse_positive_id;
use super::Core;

/// An invitation as the admin API shows it: token and both statuses visible.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecordJson {
    id: u64,
    tenant_id: u64,
    email: String,
    status: InvitationStatus,
    stored_status: InvitationStatus,
    token: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl RecordJson {
    fn new(inv: &InvitationRecord, now: DateTime<Utc>) -> RecordJson {
        RecordJson {
            id: inv.id,
            tenant_id: inv.tenant_id,
            email: inv.email.clone(),
            status: inv.effective_status(now),
            stored_status: inv.status.clone(),
            token: inv.token.clone(),
            created_at: inv.created_at,
            expires_at: inv.expires_at,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EmailJson<'a> {
    to: &'a str,
    invitation_id: u64,
    tenant_id: u64,
    token: &'a str,
    sent_at: DateTime<Utc>,
}

impl<'a> From<&'a SentEmail> for EmailJson<'a> {
    fn from(email: &'a SentEmail) -> Self {
        EmailJson {
            to: &email.to,
            invitation_id: email.invitation_id,
            tenant_id: email.tenant_id,
            token: &email.token,
            sent_at: email.sent_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateBody {
    tenant_id: u64,
    email: String,
    #[serde(default)]
    status: Option<InvitationStatus>,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptBody {
    token: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    now: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    seconds: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operation: Option<String>,
    status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    times: Option<u32>,
}

impl From<&Fault> for FaultJson {
    fn from(fault: &Fault) -> Self {
        FaultJson {
            operation: fault.operation.clone(),
            status: fault.status,
            delay_ms: fault
                .delay
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            times: fault.times,
        }
    }
}

#[derive(Serialize)]
struct NowJson {
    now: DateTime<Utc>,
}

/// What an admin endpoint does with a request; the `&[u8]` is the path's `{id}` segment
/// (empty where the path has none).
type Handler = fn(&mut Core, &Request, &[u8]) -> Result<Response, Response>;

/// Every admin endpoint, the one list: a request is dispatched by it, a 405's `Allow` and the
/// 404's list of endpoints are read from it. A path under `/__admin/` (`{id}` matches any
/// one segment), a method and what it does; the methods of one path stand together.
const ENDPOINTS: [(&str, &str, Handler); 14] = [
    ("health", "GET", |_, _, _| Ok(ok_status())),
    ("reset", "POST", |core, _, _| {
        core.reset();
        Ok(ok_status())
    }),
    ("invitations", "GET", |core, _, _| {
        Ok(core.list_invitations())
    }),
    ("invitations", "POST", |core, request, _| {
        core.create(request)
    }),
    ("invitations/{id}", "GET", |core, _, id| core.show(id)),
    ("accept", "POST", |core, request, _| {
        core.accept_link(request)
    }),
    ("outbox", "GET", |core, _, _| Ok(core.outbox_json())),
    ("clock", "GET", |core, _, _| Ok(core.now_json())),
    ("clock", "PUT", |core, request, _| core.set_clock(request)),
    ("clock/advance", "POST", |core, request, _| {
        core.advance_clock(request)
    }),
    ("faults", "GET", |core, _, _| Ok(core.faults_json())),
    ("faults", "POST", |core, request, _| core.add_fault(request)),
    ("faults", "DELETE", |core, _, _| {
        core.clear_faults();
        Ok(Response::empty(204))
    }),
    ("journal", "GET", |core, _, _| {
        Ok(Response::json(200, &core.journal()))
    }),
];

/// The `{id}` segment `template` captures from `path` (empty when it has none), if `path`
/// matches it.
fn matched<'p>(template: &str, path: &[&'p [u8]]) -> Option<&'p [u8]> {
    let mut parts = template.split('/');
    let mut id: &[u8] = &[];
    for segment in path {
        match parts.next()? {
            "{id}" => id = segment,
            part if part.as_bytes() == *segment => {}
            _ => return None,
        }
    }
    parts.next().is_none().then_some(id)
}

/// The 404's list of endpoints: `GET|POST /__admin/invitations, ...`.
fn endpoint_list() -> String {
    let mut list = String::new();
    let mut previous = "";
    for (path, method, _) in ENDPOINTS {
        if path == previous {
            list.push('|');
        } else {
            if !list.is_empty() {
                list.push_str(&format!(" /__admin/{previous}, "));
            }
            previous = path;
        }
        list.push_str(method);
    }
    list.push_str(&format!(" /__admin/{previous}"));
    list
}

/// Parses a JSON body into `T`, or explains what to send instead.
fn body<T: DeserializeOwned>(request: &Request, expected: &str) -> Result<T, Response> {
    serde_json::from_slice(&request.body).map_err(|err| {
        plain_error(
            400,
            format!(
                "Invalid JSON body ({}). Expected {expected}.",
                truncate(&err.to_string(), 200)
            ),
        )
    })
}

fn ok_status() -> Response {
    Response::json(200, &serde_json::json!({"status": "ok"}))
}

impl Core {
    pub(super) fn admin(&mut self, segments: &[Vec<u8>], request: &Request) -> Response {
        if !request.peer_is_loopback && !self.config.admin_from_anywhere {
            return plain_error(
                403,
                "The admin API only answers loopback peers; start the mock with \
                 --admin-from-anywhere to serve it to other hosts.",
            );
        }
        if let Some(too_large) = body_too_large(request.body.len(), self.config.max_body_bytes, "")
        {
            return too_large;
        }
        let path: Vec<&[u8]> = segments.iter().map(Vec::as_slice).collect();
        let mut allow = Vec::new();
        for (template, method, handler) in ENDPOINTS {
            if let Some(id) = matched(template, &path) {
                if method == request.method {
                    return handler(self, request, id).unwrap_or_else(|error| error);
                }
                allow.push(method);
            }
        }
        if allow.is_empty() {
            return plain_error(
                404,
                format!(
                    "No such admin endpoint. The admin API serves {}.",
                    endpoint_list()
                ),
            );
        }
        method_not_allowed(Surface::Other, &allow.join(", "), &request.method)
    }

    fn list_invitations(&self) -> Response {
        let now = self.clock.now();
        let records: Vec<RecordJson> = self
            .store
            .invitations()
            .map(|inv| RecordJson::new(inv, now))
            .collect();
        Response::json(200, &records)
    }

    fn create(&mut self, request: &Request) -> Result<Response, Response> {
        let body: CreateBody = body(
            request,
            r#"{"tenantId": 1024, "email": "zoe@example.com", "status"?: "Pending", "expiresAt"?: "2030-01-01T00:00:00Z"}"#,
        )?;
        if let Some(at) = body.expires_at
            && (at < Clock::min_time() || at > Clock::max_time())
        {
            return Err(plain_error(
                400,
                "expiresAt must be between 1970-01-01T00:00:00Z and 9000-01-01T00:00:00Z.",
            ));
        }
        let new = NewInvitation {
            tenant_id: body.tenant_id,
            email: body.email,
            status: body.status.unwrap_or(InvitationStatus::Pending),
            expires_at: body.expires_at,
        };
        let record = self
            .create_invitation(new)
            .map_err(|err| plain_error(400, err.to_string()))?;
        Ok(Response::json(
            201,
            &RecordJson::new(&record, self.clock.now()),
        ))
    }

    fn show(&self, raw_id: &[u8]) -> Result<Response, Response> {
        let id = std::str::from_utf8(raw_id)
            .map_err(|_| "The id is not valid UTF-8.".to_owned())
            .and_then(|raw| parse_positive_id("id", raw))
            .map_err(|msg| plain_error(400, msg))?;
        let inv = self.store.invitation(id).ok_or_else(|| {
            plain_error(
                404,
                format!("No invitation {id}: it never existed or was accepted (and removed)."),
            )
        })?;
        Ok(Response::json(200, &RecordJson::new(inv, self.clock.now())))
    }

    fn accept_link(&mut self, request: &Request) -> Result<Response, Response> {
        let body: AcceptBody = body(request, r#"{"token": "<token from the outbox>"}"#)?;
        match self.accept(&body.token) {
            Ok(id) => Ok(Response::json(200, &serde_json::json!({"accepted": id}))),
            Err(err @ AcceptError::UnknownToken) => Err(plain_error(404, err.to_string())),
            Err(err @ AcceptError::NotPending { .. }) => Err(plain_error(409, err.to_string())),
        }
    }

    fn outbox_json(&self) -> Response {
        let outbox = self.store.outbox();
        let emails: Vec<EmailJson<'_>> = outbox.recent().map(EmailJson::from).collect();
        Response::json(200, &emails)
            .with_header_value("x-outbox-total", ::http::HeaderValue::from(outbox.total()))
    }

    fn now_json(&self) -> Response {
        Response::json(
            200,
            &NowJson {
                now: self.clock.now(),
            },
        )
    }

    fn set_clock(&mut self, request: &Request) -> Result<Response, Response> {
        let body: ClockBody = body(request, r#"{"now": "2030-01-01T00:00:00Z"}"#)?;
        self.clock
            .set_now(body.now)
            .map_err(|err| plain_error(400, err.to_string()))?;
        Ok(self.now_json())
    }

    fn advance_clock(&mut self, request: &Request) -> Result<Response, Response> {
        let body: AdvanceBody = body(request, r#"{"seconds": 176400}"#)?;
        let by = Duration::try_seconds(body.seconds).ok_or_else(|| {
            plain_error(
                400,
                "seconds is too large; the clock supports years 1970 to 9000.",
            )
        })?;
        self.clock
            .advance(by)
            .map_err(|err| plain_error(400, err.to_string()))?;
        Ok(self.now_json())
    }

    fn faults_json(&self) -> Response {
        let faults: Vec<FaultJson> = self.faults.list().iter().map(FaultJson::from).collect();
        Response::json(200, &faults)
    }

    fn add_fault(&mut self, request: &Request) -> Result<Response, Response> {
        let body: FaultJson = body(
            request,
            r#"{"operation"?: "resendInvite", "status": 500, "delayMs"?: 0, "times"?: 1}"#,
        )?;
        let fault = Fault {
            operation: body.operation,
            status: body.status,
            delay: body.delay_ms.map(std::time::Duration::from_millis),
            times: body.times,
        };
        self.inject_fault(fault.clone())
            .map_err(|err| plain_error(400, err.to_string()))?;
        Ok(Response::json(201, &FaultJson::from(&fault)))
    }
}
