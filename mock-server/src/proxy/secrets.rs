//! Keeping secrets out of findings: the exchange's bearer key, `Idempotency-Key` and token
//! fields are replaced by `<redacted>` in every message, which is also capped in length.

use serde_json::Value;

use super::exchange::{Exchange, Verdict};

/// Longest message kept in a finding: schema errors quote the offending value, which can be
/// a whole body.
const MAX_MESSAGE_CHARS: usize = 300;

/// Replaces the exchange's secrets in every message and caps its length.
pub(super) fn scrub(verdict: &mut Verdict, exchange: &Exchange<'_>) {
    if verdict.request.is_empty() && verdict.response.is_empty() {
        return;
    }
    let secrets = secrets(exchange);
    for f in verdict
        .request
        .iter_mut()
        .chain(verdict.response.iter_mut())
    {
        for secret in &secrets {
            if f.message.contains(secret.as_str()) {
                f.message = f.message.replace(secret.as_str(), "<redacted>");
            }
            if f.at.contains(secret.as_str()) {
                f.at = f.at.replace(secret.as_str(), "<redacted>");
            }
        }
        if f.message.chars().count() > MAX_MESSAGE_CHARS {
            f.message = crate::core::http::truncate(&f.message, MAX_MESSAGE_CHARS);
        }
    }
}

/// The exchange's secrets: the `Authorization` value and the key in it, the
/// `Idempotency-Key`, and every string in a body field whose name says token or key.
pub fn secrets(exchange: &Exchange<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for name in [
        "authorization",
        "idempotency-key",
        "proxy-authorization",
        "cookie",
    ] {
        for value in exchange.request_headers.get_all(name) {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            if let Some((_, key)) = text.split_once(' ') {
                out.push(key.trim().to_owned());
            }
            out.push(text);
        }
    }
    for body in [exchange.request_body, exchange.response_body] {
        if let Ok(json) = serde_json::from_slice::<Value>(body) {
            secret_fields(&json, &mut out);
        }
    }
    // Short strings would redact ordinary words; real keys and tokens are longer.
    out.retain(|s| s.len() >= 4);
    // Longest first, so a whole header value goes before the key inside it.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

fn secret_fields(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (name, child) in map {
                let lower = name.to_ascii_lowercase();
                let secret =
                    lower.contains("token") || lower.contains("key") || lower.contains("secret");
                match child {
                    Value::String(text) if secret => out.push(text.clone()),
                    _ => secret_fields(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| secret_fields(item, out)),
        _ => {}
    }
}
