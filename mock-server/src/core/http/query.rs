//! Query strings: `application/x-www-form-urlencoded` pairs, decoded once per request.
//!
//! Hand code rather than `form_urlencoded` (the url crate's): that one decodes bytes that
//! are not UTF-8 lossily, and the API answers them with a 400 instead; and it has no notion
//! of a repeated parameter, which is a 400 too. Percent-decoding itself is
//! `percent-encoding`'s.

use std::borrow::Cow;

use super::wire::truncate;

/// A decoded query string. Names and values borrow the raw query when they have nothing
/// to decode (the usual case), and the first parameter is kept inline, so parsing the
/// API's one-parameter queries allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct Query<'a> {
    first: Option<(Cow<'a, str>, Cow<'a, str>)>,
    rest: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// Why a query string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// A name or value is not UTF-8 once percent-decoded.
    NotUtf8,
    /// A parameter appears more than once.
    Repeated(String),
}

impl QueryError {
    pub(crate) fn message(&self) -> String {
        match self {
            QueryError::NotUtf8 => {
                "The query string is not valid UTF-8 once percent-decoded.".to_owned()
            }
            QueryError::Repeated(name) => format!(
                "The query parameter {:?} appears more than once; send it once.",
                truncate(name, 64)
            ),
        }
    }
}

impl<'a> Query<'a> {
    /// Decodes `application/x-www-form-urlencoded` pairs, refusing non-UTF-8 and repeats
    /// (a repeated parameter is ambiguous, so it is an error rather than first-wins).
    pub(crate) fn parse(raw: Option<&'a [u8]>) -> Result<Query<'a>, QueryError> {
        let mut query = Query::default();
        for pair in raw.unwrap_or_default().split(|b| *b == b'&') {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &b""[..]),
            };
            let name = form_decode(name)?;
            let value = form_decode(value)?;
            if query.params().any(|(n, _)| *n == name) {
                return Err(QueryError::Repeated(name.into_owned()));
            }
            if query.first.is_none() {
                query.first = Some((name, value));
            } else {
                query.rest.push((name, value));
            }
        }
        Ok(query)
    }

    fn params(&self) -> impl Iterator<Item = &(Cow<'a, str>, Cow<'a, str>)> {
        self.first.iter().chain(&self.rest)
    }

    /// The value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params().find(|(n, _)| n == name).map(|(_, v)| &**v)
    }

    /// The value of `name`, kept as decoded (borrowing the raw query when nothing was to
    /// decode): for the one parameter an operation keeps past its checks.
    pub(crate) fn into_value(self, name: &str) -> Option<Cow<'a, str>> {
        self.first
            .into_iter()
            .chain(self.rest)
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

fn form_decode(raw: &[u8]) -> Result<Cow<'_, str>, QueryError> {
    if !raw.iter().any(|b| *b == b'+' || *b == b'%') {
        return std::str::from_utf8(raw)
            .map(Cow::Borrowed)
            .map_err(|_| QueryError::NotUtf8);
    }
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| QueryError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        let q = Query::parse(Some(b"email=ada%40example.com&dryRun=true&&x")).unwrap();
        assert_eq!(q.get("email"), Some("ada@example.com"));
        assert_eq!(q.get("dryRun"), Some("true"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(q.get("missing"), None);
        assert_eq!(q.into_value("dryRun").as_deref(), Some("true"));
        let q = Query::parse(Some(b"a=1&email=ada%40example.com")).unwrap();
        assert!(matches!(q.into_value("email"), Some(Cow::Owned(e)) if e == "ada@example.com"));
        let q = Query::parse(Some(b"email=ada@example.com")).unwrap();
        assert!(matches!(
            q.into_value("email"),
            Some(Cow::Borrowed("ada@example.com"))
        ));
        assert_eq!(Query::parse(Some(b"a=1")).unwrap().into_value("b"), None);
        assert_eq!(
            Query::parse(Some(b"a+b=c+d")).unwrap().get("a b"),
            Some("c d")
        );
    }

    #[test]
    fn refusals_say_what_to_send() {
        assert_eq!(
            QueryError::NotUtf8.message(),
            "The query string is not valid UTF-8 once percent-decoded."
        );
        assert_eq!(
            QueryError::Repeated("id".into()).message(),
            "The query parameter \"id\" appears more than once; send it once."
        );
    }

    #[test]
    fn empty_pairs_and_names_count_as_parameters_only_when_present() {
        let q = Query::parse(Some(b"&&=v&a")).unwrap();
        assert_eq!(q.get(""), Some("v"));
        assert_eq!(q.get("a"), Some(""));
        assert_eq!(Query::parse(None).unwrap().get(""), None);
        assert_eq!(
            Query::parse(Some(b"a=1&b=2&a=3")).unwrap_err(),
            QueryError::Repeated("a".into())
        );
        assert_eq!(
            Query::parse(Some(b"a=1&b=2&b=3")).unwrap_err(),
            QueryError::Repeated("b".into())
        );
        assert_eq!(
            Query::parse(Some(b"a%3D=b%26")).unwrap().get("a="),
            Some("b&")
        );
    }

    #[test]
    fn query_refuses_repeats_and_non_utf8() {
        assert_eq!(
            Query::parse(Some(b"id=1&id=2")).unwrap_err(),
            QueryError::Repeated("id".into())
        );
        assert_eq!(
            Query::parse(Some(b"id=%FF")).unwrap_err(),
            QueryError::NotUtf8
        );
        assert_eq!(
            Query::parse(Some(b"%C3=1")).unwrap_err(),
            QueryError::NotUtf8
        );
        assert_eq!(
            Query::parse(Some(&[b'i', b'd', b'=', 0xff][..])).unwrap_err(),
            QueryError::NotUtf8
        );
    }
}
