//! An error with its causes as one line: what every failure of a request, of the mailbox or
//! of the preflight says.

/// `err` and each of its causes, `: `-separated, a cause left out when its text is already
/// there: reqwest's own text (`error sending request for url (…)`) does not say why.
///
/// ```
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
/// let text = invitations_contract_tests::context::error_chain(&io);
/// assert_eq!(text, "Connection refused");
/// ```
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}
