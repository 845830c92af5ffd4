//! An answer's JSON read in place: a flat list of nodes whose strings point into the body.
//!
//! The proxy checks every answer it forwards. Parsing each one into a `serde_json::Value`
//! (an allocation per string, a B-tree per object) and dropping it again was a third of the
//! checks' instructions (callgrind), so the body is read by serde_json's own parser into a
//! [`Document`] instead: one `Vec` of nodes, strings borrowed from the body (only a string
//! with escapes is copied). serde_json still decides what is JSON, so
//! its error messages and number handling are unchanged.
//!
//! [`Borrowed`] makes a document something `jsonschema` validates directly (its
//! "custom representation" API), so the spec's schemas run on it without a `Value`. It
//! behaves as `serde_json::Value` does, duplicate keys included (the last one wins); the
//! tests compare the two on the spec's examples and on broken bodies.
//!
//! ```
//! use invitations_mock::proxy::json::Document;
//!
//! let document = Document::parse(br#"{"value": {"id": 7, "email": "ada@example.com"}}"#).unwrap();
//! let email = document.root().get("value").and_then(|v| v.get("email"));
//! assert_eq!(email.and_then(|e| e.as_str()).as_deref(), Some("ada@example.com"));
//! ```

use std::borrow::Cow;
use std::fmt;

use jsonschema::json::{Array, Json, JsonNumber, Node as JsonNode, NodeIdentity, Object};
use jsonschema::JsonType;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// One node: a scalar, or a container followed by its members (for an object, each member
/// is a key node then the value's subtree).
#[derive(Clone, Debug)]
enum Entry<'a> {
    Null,
    Bool(bool),
    Number(Number),
    /// A string: borrowed from the body, or unescaped.
    Str(Cow<'a, str>),
    /// `len` elements; the subtree ends before `end`.
    Array {
        len: u32,
        end: u32,
    },
    /// `len` members (`shadowed` keys left out); the subtree ends before `end`.
    Object {
        len: u32,
        end: u32,
    },
    /// The key of a member an identical later key replaces, as in `serde_json::Value`.
    Shadowed,
}

/// A parsed JSON text: its nodes, whose strings point into the body.
pub struct Document<'a> {
    entries: Vec<Entry<'a>>,
}

/// Header values and bodies carry API keys and tokens: only the size is shown.
impl fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("nodes", &self.entries.len())
            .finish()
    }
}

impl<'a> Document<'a> {
    /// Parses `bytes` as serde_json would; the error is serde_json's.
    pub fn parse(bytes: &'a [u8]) -> Result<Document<'a>, serde_json::Error> {
        let Ok(text) = std::str::from_utf8(bytes) else {
            // serde_json's own words for the bytes that are not UTF-8.
            return Err(serde_json::from_slice::<Value>(bytes)
                .err()
                .unwrap_or_else(|| serde::de::Error::custom("not UTF-8")));
        };
        if let Some(document) = Plain::parse(text) {
            return Ok(document);
        }
        let mut document = Document {
            entries: Vec::with_capacity(32),
        };
        let mut parser = serde_json::Deserializer::from_str(text);
        NodeSeed {
            out: &mut document,
            key: false,
        }
        .deserialize(&mut parser)?;
        parser.end()?;
        Ok(document)
    }

    /// The top-level value.
    pub fn root(&self) -> Node<'_> {
        Node {
            document: self,
            index: 0,
        }
    }

    fn push(&mut self, entry: Entry<'a>) -> usize {
        self.entries.push(entry);
        self.entries.len() - 1
    }

    /// Where the entry after `index`'s subtree sits.
    fn after(&self, index: usize) -> usize {
        match self.entries[index] {
            Entry::Array { end, .. } | Entry::Object { end, .. } => end as usize,
            _ => index + 1,
        }
    }
}

/// One value of a [`Document`]: cheap to copy.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    document: &'a Document<'a>,
    index: usize,
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Node({})", self.index)
    }
}

impl<'a> Node<'a> {
    fn entry(&self) -> &'a Entry<'a> {
        &self.document.entries[self.index]
    }

    /// The member `name` of an object (the last one, as `serde_json::Value` keeps it).
    pub fn get(&self, name: &str) -> Option<Node<'a>> {
        self.members().find(|(key, _)| *key == name).map(|(_, v)| v)
    }

    /// The members of an object, in the order of the text; none for anything else.
    pub fn members(&self) -> Members<'a> {
        let (next, end) = match *self.entry() {
            Entry::Object { end, .. } => (self.index + 1, end as usize),
            _ => (0, 0),
        };
        Members {
            document: self.document,
            next,
            end,
        }
    }

    /// The elements of an array; none for anything else.
    pub fn elements(&self) -> Elements<'a> {
        let (next, end) = match *self.entry() {
            Entry::Array { end, .. } => (self.index + 1, end as usize),
            _ => (0, 0),
        };
        Elements {
            document: self.document,
            next,
            end,
        }
    }

    /// The text of a string.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.entry() {
            Entry::Str(text) => Some(text),
            _ => None,
        }
    }

    /// A non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self.entry() {
            Entry::Number(number) => number.as_u64(),
            _ => None,
        }
    }

    /// A boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match *self.entry() {
            Entry::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.entry(), Entry::Null)
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self.entry(), Entry::Object { .. })
    }

    /// The node at a JSON pointer below this one (`""` is this node).
    pub fn pointer(&self, pointer: &str) -> Option<Node<'a>> {
        let mut node = *self;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            node = match node.entry() {
                Entry::Object { .. } => node.get(&token)?,
                Entry::Array { .. } => node.elements().nth(token.parse().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Whether this node equals `expected` as JSON values compare (numbers by value), without
    /// building a `Value` (`enum: [null]` compares every envelope's `value` with null).
    pub fn equals(&self, expected: &Value) -> bool {
        match (self.entry(), expected) {
            (Entry::Null, Value::Null) => true,
            (Entry::Bool(a), Value::Bool(b)) => a == b,
            (Entry::Number(a), Value::Number(_)) => {
                jsonschema::json::cmp::equal(&Value::Number(a.clone()), expected)
            }
            (Entry::Str(a), Value::String(b)) => a == b,
            (Entry::Array { len, .. }, Value::Array(items)) => {
                *len as usize == items.len() && self.elements().zip(items).all(|(a, b)| a.equals(b))
            }
            (Entry::Object { len, .. }, Value::Object(members)) => {
                *len as usize == members.len()
                    && members
                        .iter()
                        .all(|(k, v)| self.get(k).is_some_and(|n| n.equals(v)))
            }
            _ => false,
        }
    }

    /// This node as a `serde_json::Value` (for the cold paths: errors, recording).
    pub fn to_value(&self) -> Value {
        match self.entry() {
            Entry::Null => Value::Null,
            Entry::Bool(b) => Value::Bool(*b),
            Entry::Number(n) => Value::Number(n.clone()),
            Entry::Str(text) => Value::String(text.clone().into_owned()),
            Entry::Array { .. } => Value::Array(self.elements().map(|e| e.to_value()).collect()),
            Entry::Object { .. } => Value::Object(
                self.members()
                    .map(|(k, v)| (k.to_owned(), v.to_value()))
                    .collect(),
            ),
            Entry::Shadowed => Value::Null,
        }
    }
}

/// The members of an object node.
pub struct Members<'a> {
    document: &'a Document<'a>,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, Node<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.next < self.end {
            let key = self.next;
            let value = key + 1;
            self.next = self.document.after(value);
            if let Entry::Str(name) = &self.document.entries[key] {
                let node = Node {
                    document: self.document,
                    index: value,
                };
                return Some((name, node));
            }
        }
        None
    }
}

/// The elements of an array node.
pub struct Elements<'a> {
    document: &'a Document<'a>,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        (self.next < self.end).then(|| {
            let index = self.next;
            self.next = self.document.after(index);
            Node {
                document: self.document,
                index,
            }
        })
    }
}

/// The bytes that end a plain string: its closing quote, an escape, a control character.
const STRING_STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        stops[b] = true;
        b += 1;
    }
    stops[b'"' as usize] = true;
    stops[b'\\' as usize] = true;
    stops
};

/// The plain JSON of nearly every answer, read in one pass: strings without escapes or
/// control characters, integers of at most 18 digits (no `-0`), at most 100 levels deep.
/// Anything else gives `None` and goes to serde_json's parser, which then decides, so the
/// two agree on every text (`tests`). serde_json's visitor machinery was two thirds of the
/// reading of a by-email answer; this is why this reader exists.
struct Plain<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
    out: Document<'a>,
}

impl<'a> Plain<'a> {
    fn parse(text: &'a str) -> Option<Document<'a>> {
        let mut plain = Plain {
            text,
            at: 0,
            depth: 0,
            out: Document {
                entries: Vec::with_capacity(32),
            },
        };
        plain.value()?;
        plain.skip_whitespace();
        (plain.at == text.len()).then_some(plain.out)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str, entry: Entry<'a>) -> Option<()> {
        self.text[self.at..].starts_with(word).then(|| {
            self.at += word.len();
            self.out.push(entry);
        })
    }

    fn value(&mut self) -> Option<()> {
        self.skip_whitespace();
        match self.peek()? {
            b'{' => self.container(b'}'),
            b'[' => self.container(b']'),
            b'"' => {
                let text = self.string()?;
                self.out.push(Entry::Str(Cow::Borrowed(text)));
                Some(())
            }
            b't' => self.literal("true", Entry::Bool(true)),
            b'f' => self.literal("false", Entry::Bool(false)),
            b'n' => self.literal("null", Entry::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A string without escapes or control characters: its text, borrowed.
    fn string(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let start = self.at + 1;
        let mut end = start;
        while let Some(&b) = bytes.get(end) {
            if STRING_STOPS[usize::from(b)] {
                break;
            }
            end += 1;
        }
        (bytes.get(end) == Some(&b'"')).then(|| {
            self.at = end + 1;
            &self.text[start..end]
        })
    }

    fn number(&mut self) -> Option<()> {
        let negative = self.peek() == Some(b'-');
        let start = self.at + usize::from(negative);
        let digits = self.text.as_bytes()[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let after = self.text.as_bytes().get(start + digits).copied();
        let leading_zero = digits > 1 && self.text.as_bytes()[start] == b'0';
        if digits == 0 || digits > 18 || leading_zero || matches!(after, Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let magnitude: u64 = self.text[start..start + digits].parse().ok()?;
        self.at = start + digits;
        let number = match (negative, magnitude) {
            (false, n) => Number::from(n),
            // serde_json reads `-0` as a float.
            (true, 0) => return None,
            (true, n) => Number::from(-(n as i64)),
        };
        self.out.push(Entry::Number(number));
        Some(())
    }

    /// An object (`close` is `}`) or an array (`]`) and its members.
    fn container(&mut self, close: u8) -> Option<()> {
        self.depth += 1;
        if self.depth > 100 {
            return None;
        }
        self.at += 1;
        let at = self.out.push(Entry::Null);
        let mut len = 0u32;
        self.skip_whitespace();
        if self.peek() == Some(close) {
            self.at += 1;
        } else {
            loop {
                if close == b'}' {
                    self.skip_whitespace();
                    if self.peek() != Some(b'"') {
                        return None;
                    }
                    let key = self.string()?;
                    self.out.push(Entry::Str(Cow::Borrowed(key)));
                    self.skip_whitespace();
                    if self.peek() != Some(b':') {
                        return None;
                    }
                    self.at += 1;
                }
                self.value()?;
                len += 1;
                self.skip_whitespace();
                match self.peek()? {
                    b',' => self.at += 1,
                    b if b == close => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        let end = self.out.entries.len() as u32;
        if close == b'}' {
            self.out.entries[at] = Entry::Object { len, end };
            shadow_repeated_keys(&mut self.out, at);
        } else {
            self.out.entries[at] = Entry::Array { len, end };
        }
        Some(())
    }
}

/// Reads one value (and its subtree), or an object's key, into the document.
struct NodeSeed<'d, 'a> {
    out: &'d mut Document<'a>,
    key: bool,
}

impl<'de, 'd> DeserializeSeed<'de> for NodeSeed<'d, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.key {
            deserializer.deserialize_str(self)
        } else {
            deserializer.deserialize_any(self)
        }
    }
}

impl<'de, 'd> Visitor<'de> for NodeSeed<'d, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.out.push(Entry::Bool(v));
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.out.push(Entry::Number(v.into()));
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.out.push(Entry::Number(v.into()));
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // As `serde_json::Value`: a non-finite float (which JSON cannot write) is null.
        self.out
            .push(Number::from_f64(v).map_or(Entry::Null, Entry::Number));
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.out.push(Entry::Null);
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        self.out.push(Entry::Null);
        Ok(())
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.out.push(Entry::Str(Cow::Borrowed(v)));
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.out.push(Entry::Str(Cow::Owned(v.to_owned())));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let out = self.out;
        let at = out.push(Entry::Array { len: 0, end: 0 });
        let mut len = 0u32;
        while seq
            .next_element_seed(NodeSeed {
                out: &mut *out,
                key: false,
            })?
            .is_some()
        {
            len += 1;
        }
        let end = out.entries.len() as u32;
        out.entries[at] = Entry::Array { len, end };
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let out = self.out;
        let at = out.push(Entry::Object { len: 0, end: 0 });
        let mut len = 0u32;
        while map
            .next_key_seed(NodeSeed {
                out: &mut *out,
                key: true,
            })?
            .is_some()
        {
            map.next_value_seed(NodeSeed {
                out: &mut *out,
                key: false,
            })?;
            len += 1;
        }
        let end = out.entries.len() as u32;
        out.entries[at] = Entry::Object { len, end };
        shadow_repeated_keys(out, at);
        Ok(())
    }
}

/// Marks every key of the object at `at` that a later identical key replaces (as
/// `serde_json::Value` keeps the last), and counts the members that remain.
fn shadow_repeated_keys(document: &mut Document<'_>, at: usize) {
    let Entry::Object { len, end } = document.entries[at] else {
        return;
    };
    let repeated = repeated_keys(document, at + 1, end as usize, len);
    for &key in &repeated {
        document.entries[key] = Entry::Shadowed;
    }
    document.entries[at] = Entry::Object {
        len: len - repeated.len() as u32,
        end,
    };
}

/// The keys among the `len` members from `first` to `end` that a later identical key
/// replaces.
fn repeated_keys(document: &Document<'_>, first: usize, end: usize, len: u32) -> Vec<usize> {
    let name = |key: usize| match &document.entries[key] {
        Entry::Str(name) => name.as_ref(),
        _ => "",
    };
    // Answers' objects have a handful of members: their names are compared pairwise, from a
    // list on the stack (length and first byte tell nearly every pair apart); a large
    // object's go through a set.
    const SMALL: usize = 16;
    if len as usize <= SMALL {
        let mut keys = [(0usize, ""); SMALL];
        let mut count = 0;
        let mut key = first;
        while key < end {
            keys[count] = (key, name(key));
            count += 1;
            key = document.after(key + 1);
        }
        let keys = &keys[..count];
        let same = |a: &str, b: &str| {
            a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
        };
        let mut repeated = Vec::new();
        for (i, &(key, this)) in keys.iter().enumerate() {
            if keys[i + 1..].iter().any(|&(_, later)| same(later, this)) {
                repeated.push(key);
            }
        }
        repeated
    } else {
        let mut all = Vec::new();
        let mut key = first;
        while key < end {
            all.push(key);
            key = document.after(key + 1);
        }
        let mut seen = std::collections::HashSet::new();
        all.into_iter()
            .rev()
            .filter(|&key| !seen.insert(name(key)))
            .collect()
    }
}

/// The [`Document`] representation for `jsonschema`: the spec's schemas compiled with
/// `jsonschema::options_for::<Borrowed>()` validate a document in place.
pub struct Borrowed;

impl Json for Borrowed {
    type Node<'a> = Node<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = ();

    // A lookup scans the members, so one pass over them is never dearer than lookups.
    const KEYS_PER_LOOKUP: usize = 1 << 20;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(_: &mut (), string: &str, f: impl FnOnce(Node<'_>) -> T) -> T {
        let document = Document {
            entries: vec![Entry::Str(Cow::Borrowed(string))],
        };
        f(document.root())
    }
}

/// A number of a [`Document`], for `jsonschema`.
pub struct DocumentNumber<'a>(&'a Number);

impl JsonNumber for DocumentNumber<'_> {
    fn as_u64(&self) -> Option<u64> {
        self.0.as_u64()
    }

    fn as_i64(&self) -> Option<i64> {
        self.0.as_i64()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.0.to_string())
    }

    fn to_number(&self) -> Cow<'_, Number> {
        Cow::Borrowed(self.0)
    }
}

impl<'a> JsonNode<'a, Borrowed> for Node<'a> {
    type Object = Node<'a>;
    type Array = Node<'a>;
    type Number = DocumentNumber<'a>;

    fn as_object(&self) -> Option<Node<'a>> {
        self.is_object().then_some(*self)
    }

    fn as_array(&self) -> Option<Node<'a>> {
        matches!(self.entry(), Entry::Array { .. }).then_some(*self)
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        Node::as_str(self).map(Cow::Borrowed)
    }

    fn as_number(&self) -> Option<DocumentNumber<'a>> {
        match self.entry() {
            Entry::Number(number) => Some(DocumentNumber(number)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn is_null(&self) -> bool {
        Node::is_null(self)
    }

    fn json_type(&self) -> JsonType {
        match self.entry() {
            Entry::Null | Entry::Shadowed => JsonType::Null,
            Entry::Bool(_) => JsonType::Boolean,
            Entry::Number(_) => JsonType::Number,
            Entry::Str(_) => JsonType::String,
            Entry::Array { .. } => JsonType::Array,
            Entry::Object { .. } => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &Value) -> bool {
        self.equals(expected)
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(Node::to_value(self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::tagged(
            std::ptr::from_ref(self.document) as usize,
            self.index as u32,
        ))
    }
}

impl<'a> Object<'a, Borrowed> for Node<'a> {
    type Node = Node<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        match *self.entry() {
            Entry::Object { len, .. } => len as usize,
            _ => 0,
        }
    }

    fn get(&self, key: &Box<str>) -> Option<Node<'a>> {
        Node::get(self, key)
    }

    fn members(&self) -> Members<'a> {
        Node::members(self)
    }
}

impl<'a> Array<'a, Borrowed> for Node<'a> {
    type Node = Node<'a>;
    type ElementsIter = Elements<'a>;

    fn len(&self) -> usize {
        match *self.entry() {
            Entry::Array { len, .. } => len as usize,
            _ => 0,
        }
    }

    fn elements(&self) -> Elements<'a> {
        Node::elements(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn same_as_serde(text: &str) {
        let ours = Document::parse(text.as_bytes()).map(|d| d.root().to_value());
        let theirs = serde_json::from_str::<Value>(text);
        match (ours, theirs) {
            (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs, "{text}"),
            (Err(ours), Err(theirs)) => assert_eq!(ours.to_string(), theirs.to_string()),
            (ours, theirs) => panic!("{text}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn reads_what_serde_json_reads_and_refuses_what_it_refuses() {
        for text in [
            r#"{"isSuccess": true, "value": [{"id": 9001, "email": "a\u0040b.example"}]}"#,
            r#"{"a": 1, "a": 2, "b": {"a": [1, 2.5, -3, 1e2, true, null, "x\"y"]}}"#,
            r#"[[], {}, "", 18446744073709551615, -9223372036854775808]"#,
            r#"  "just a string"  "#,
            "{\"k\u{e9}y\": \"v\u{e4}lue\"}",
            "",
            "{",
            r#"{"a": 1,}"#,
            r#"{"a": 1} trailing"#,
            "nul",
            "1e400",
        ] {
            same_as_serde(text);
        }
        let repeated: String = (0..40)
            .map(|i| format!("\"k{}\": {i}", i % 20))
            .collect::<Vec<_>>()
            .join(",");
        same_as_serde(&format!("{{{repeated}}}"));
        let not_utf8 = Document::parse(b"{\"a\": \"\xff\"}").unwrap_err();
        let serde = serde_json::from_slice::<Value>(b"{\"a\": \"\xff\"}").unwrap_err();
        assert_eq!(not_utf8.to_string(), serde.to_string());
    }

    /// The plain reader and serde_json's agree wherever the plain one reads at all.
    fn plain_agrees(text: &str) {
        if let Some(plain) = Plain::parse(text) {
            let serde: Value = serde_json::from_str(text).unwrap_or_else(|err| {
                panic!("{text:?}: plain read what serde_json refuses: {err}")
            });
            assert_eq!(plain.root().to_value(), serde, "{text:?}");
            let mut full = Document {
                entries: Vec::new(),
            };
            let mut parser = serde_json::Deserializer::from_str(text);
            NodeSeed {
                out: &mut full,
                key: false,
            }
            .deserialize(&mut parser)
            .unwrap();
            let members = |d: &Document<'_>| -> Vec<String> {
                d.entries.iter().map(|e| format!("{e:?}")).collect()
            };
            assert_eq!(members(&plain), members(&full), "{text:?}");
        }
    }

    #[test]
    fn the_plain_reader_reads_the_common_answers_and_leaves_the_rest() {
        for text in [
            r#"{"isSuccess": true, "isFailure": false, "error": null, "value": {"id": 9001}}"#,
            r#" [ -12 , 0 , 123456789012345678, {}, [], "", "é" ] "#,
            r#"{"a": 1, "a": 2}"#,
        ] {
            assert!(Plain::parse(text).is_some(), "{text}");
            plain_agrees(text);
        }
        let deep = format!("{}{}", "[".repeat(101), "]".repeat(101));
        for text in [
            r#"{"a": "x\"y"}"#,
            "[1.5]",
            "[1e2]",
            "[-0]",
            "[01]",
            "[1234567890123456789]",
            "[\"tab\there\"]",
            "[1,]",
            "{\"a\" 1}",
            "{1: 2}",
            "[1 2]",
            "tru",
            "nulll",
            "",
            "-",
            deep.as_str(),
        ] {
            assert!(Plain::parse(text).is_none(), "{text}");
            same_as_serde(text);
        }
    }

    proptest::proptest! {
        #[test]
        fn the_plain_reader_never_disagrees_with_serde_json(
            text in r#"[\[\]{}",: 0-9a-z\-.\\\t\n]{0,40}"#
        ) {
            plain_agrees(&text);
            same_as_serde(&text);
        }

        #[test]
        fn json_written_by_serde_json_reads_the_same(value in any_json()) {
            let text = value.to_string();
            plain_agrees(&text);
            proptest::prop_assert_eq!(Document::parse(text.as_bytes()).unwrap().root().to_value(), value);
        }
    }

    fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[ -~é\"\\\n]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map("[a-c]{1,2}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn repeated_keys_keep_the_last_as_serde_json_does() {
        let document = Document::parse(br#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        let root = document.root();
        assert_eq!(root.get("a").and_then(|n| n.as_u64()), Some(3));
        assert_eq!(Object::len(&root), 2);
        let keys: Vec<&str> = root.members().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn equality_with_a_value_needs_no_value() {
        let text = r#"{"a": [1, 2.0, "x\u0041"], "b": null, "c": {"d": true}}"#;
        let document = Document::parse(text.as_bytes()).unwrap();
        let root = document.root();
        assert!(root.equals(&json!({"c": {"d": true}, "b": null, "a": [1.0, 2, "xA"]})));
        for other in [
            json!({"a": [1, 2.0, "xA"], "b": null}),
            json!({"a": [1, 2.0, "xA"], "b": null, "c": {"d": false}}),
            json!({"a": [1, 2.0], "b": null, "c": {"d": true}}),
            json!({"a": [1, 2.5, "xA"], "b": null, "c": {"d": true}}),
            json!({"a": [1, 2.0, "xB"], "b": null, "c": {"d": true}}),
            json!({"a": [1, 2.0, "xA"], "b": 0, "c": {"d": true}}),
            json!({"a": [1, 2.0, "xA"], "e": null, "c": {"d": true}}),
            json!([]),
            json!(null),
        ] {
            assert!(!root.equals(&other), "{other}");
        }
    }

    #[test]
    fn pointers_and_accessors() {
        let document =
            Document::parse(br#"{"value": [{"a/b": {"c~d": "x"}}, 2], "n": null}"#).unwrap();
        let root = document.root();
        assert_eq!(
            root.pointer("/value/0/a~1b/c~0d").and_then(|n| n.as_str()),
            Some("x")
        );
        assert_eq!(root.pointer("/value/1").and_then(|n| n.as_u64()), Some(2));
        assert!(root.pointer("/value/2").is_none());
        assert!(root.pointer("/n").is_some_and(|n| n.is_null()));
        assert!(root.pointer("/n/x").is_none());
        assert_eq!(
            root.pointer("").map(|n| n.to_value()),
            Some(root.to_value())
        );
        assert_eq!(root.get("value").map(|v| Array::len(&v)), Some(2));
        assert_eq!(root.get("n").map(|v| v.elements().count()), Some(0));
        assert_eq!(root.get("n").map(|v| v.members().count()), Some(0));
    }

    #[test]
    fn validates_as_the_serde_json_representation_does() {
        let schema = json!({
            "type": "object",
            "required": ["id", "tags"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "email": {"type": "string", "format": "email", "maxLength": 10},
                "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": true},
                "at": {"type": "string", "format": "date-time"},
                "x": {"oneOf": [{"type": "object"}, {"enum": [null]}]}
            },
            "propertyNames": {"minLength": 1}
        });
        let ours = jsonschema::options_for::<Borrowed>()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        let theirs = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        for text in [
            r#"{"id": 1, "tags": ["a"]}"#,
            r#"{"id": 1.0, "tags": ["a", "a"]}"#,
            r#"{"id": 0, "tags": ["c"], "email": "not-an-email-at-all"}"#,
            r#"{"id": 2, "tags": [], "email": "a@b.example", "at": "2024-03-15T12:30:00Z"}"#,
            r#"{"id": 2, "tags": [], "at": "2024-03-15 12:30:00", "x": 3}"#,
            r#"{"id": 2, "tags": [], "x": null, "": 1}"#,
            r#"{"id": 2, "id": "two", "tags": []}"#,
            r#"[1]"#,
        ] {
            let document = Document::parse(text.as_bytes()).unwrap();
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                ours.is_valid(document.root()),
                theirs.is_valid(&value),
                "{text}"
            );
            let errors = |e: Vec<String>| {
                let mut e = e;
                e.sort();
                e
            };
            assert_eq!(
                errors(
                    ours.iter_errors(document.root())
                        .map(|e| format!("{} {e}", e.instance_path()))
                        .collect()
                ),
                errors(
                    theirs
                        .iter_errors(&value)
                        .map(|e| format!("{} {e}", e.instance_path()))
                        .collect()
                ),
                "{text}"
            );
        }
    }
}
