//! What every example starts with: a client, for a deployment or for the embedded mock.

use invitations_mock::{fixture, InvitationsMock};
use invitations_sdk::{Client, ENV_BASE_URL};

/// A client for the deployment that `INVITATIONS_BASE_URL` and `INVITATIONS_API_KEY` name,
/// or, when the base URL is unset, for the reference mock started here with its default
/// fixture (keep the returned mock alive as long as the client is used).
pub async fn client() -> Result<(Client, Option<InvitationsMock>), Box<dyn std::error::Error>> {
    if std::env::var_os(ENV_BASE_URL).is_some() {
        return Ok((Client::from_env()?, None));
    }
    let mock = InvitationsMock::start().await;
    eprintln!(
        "{ENV_BASE_URL} is not set: using the embedded reference mock at {}",
        mock.uri()
    );
    let client = Client::builder()
        .base_url(mock.uri())
        .api_key(fixture::ACME_MANAGER_KEY)
        .build()?;
    Ok((client, Some(mock)))
}

/// What an example's program ends with: nothing, or the error that stopped it.
pub type Outcome = Result<(), Box<dyn std::error::Error>>;

/// The program's arguments, without its name.
pub fn args() -> impl Iterator<Item = String> {
    std::env::args().skip(1)
}
