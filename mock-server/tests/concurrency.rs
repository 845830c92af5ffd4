//! Concurrent resends of one invitation through the standalone server's HTTP stack, on a
//! multi-threaded runtime: the core's lock must serialize them so that exactly one link
//! (the last one issued) still works.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use invitations_mock::core::Request;
use invitations_mock::server::{Server, Spawned};
use invitations_mock::{fixture, MockHandle};
use serde_json::{json, Value};

const CALLS: usize = 64;

async fn start() -> (String, MockHandle, Spawned) {
    let handle = MockHandle::default();
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), handle.clone())
        .await
        .unwrap()
        .spawn();
    (server.base_url().to_owned(), handle, server)
}

/// Sends `CALLS` copies of the request `build` makes, as Acme's manager, all at once (each
/// in a task of its own); their answers as (status, replayed, body), in the order sent.
async fn at_once(
    client: &reqwest::Client,
    build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
) -> Vec<(u16, bool, String)> {
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let request = build(client).bearer_auth(fixture::ACME_MANAGER_KEY);
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let replayed = response.headers().contains_key("idempotent-replayed");
                let status = response.status().as_u16();
                (status, replayed, response.text().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(CALLS);
    for call in calls {
        answers.push(call.await.unwrap());
    }
    answers
}

async fn accept(client: &reqwest::Client, url: &str, token: &str) -> u16 {
    client
        .post(format!("{url}/__admin/accept"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_resends_leave_exactly_the_last_token_valid() {
    let (url, handle, server) = start().await;
    let client = reqwest::Client::new();
    let (tenant, id) = (fixture::ACME_TENANT, fixture::PENDING_ID);
    let target = format!("{url}/tenant/{tenant}/admin/user/invitation/resend?id={id}");
    for (status, _, _) in at_once(&client, |client| client.put(&target)).await {
        assert_eq!(status, 200);
    }

    let outbox: Vec<Value> = serde_json::from_value(
        common::json_body(client.get(format!("{url}/__admin/outbox"))).await,
    )
    .unwrap();
    assert_eq!(outbox.len(), CALLS, "one email per resend");
    let tokens: Vec<String> = outbox
        .iter()
        .map(|email| email["token"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        tokens.iter().collect::<HashSet<_>>().len(),
        CALLS,
        "every resend issued a new token"
    );
    let last = tokens.last().unwrap().clone();
    assert_eq!(handle.invitation(fixture::PENDING_ID).unwrap().token, last);

    for stale in &tokens[..CALLS - 1] {
        assert_eq!(
            accept(&client, &url, stale).await,
            404,
            "a replaced link must not work"
        );
    }
    assert_eq!(
        accept(&client, &url, &last).await,
        200,
        "the last link works"
    );
    assert!(
        handle.invitation(fixture::PENDING_ID).is_none(),
        "accepting removes it"
    );

    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_resends_sharing_an_idempotency_key_send_one_email() {
    let (url, handle, server) = start().await;
    let client = reqwest::Client::new();
    let id = fixture::CANCELLED_ID;
    let target = format!("{url}/iam/v1/users/{id}/actions/resend");
    let answers = at_once(&client, |client| {
        client
            .post(&target)
            .header("Idempotency-Key", "shared-retry-key")
            .json(&json!({}))
    })
    .await;
    let mut bodies = HashSet::new();
    let mut replays = 0;
    for (status, replayed, body) in answers {
        assert_eq!(status, 200);
        replays += usize::from(replayed);
        bodies.insert(body);
    }
    assert_eq!(bodies.len(), 1, "every caller sees the first answer");
    assert_eq!(replays, CALLS - 1);
    assert_eq!(handle.outbox_total(), 1, "exactly one email");
    let only = &handle.outbox()[0];
    assert_eq!(handle.accept(&only.token), Ok(fixture::CANCELLED_ID));

    server.stop().await.unwrap();
}

#[test]
fn sixty_four_threads_on_one_handle_agree_too() {
    let handle = MockHandle::default();
    let barrier = Arc::new(Barrier::new(CALLS));
    let threads: Vec<_> = (0..CALLS)
        .map(|_| {
            let handle = handle.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let request = Request::new("POST", "/iam/v1/users/9002/actions/resend")
                    .bearer(fixture::ACME_MANAGER_KEY);
                barrier.wait();
                handle.handle(&request).status
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), 200);
    }
    let outbox = handle.outbox();
    assert_eq!(outbox.len(), CALLS);
    let current = handle.invitation(fixture::DECLINED_ID).unwrap().token;
    assert_eq!(outbox.last().unwrap().token, current);
    let valid = outbox
        .iter()
        .filter(|email| {
            handle
                .invitation(fixture::DECLINED_ID)
                .is_some_and(|inv| inv.token == email.token)
        })
        .count();
    assert_eq!(valid, 1);
}
