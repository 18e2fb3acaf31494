//! The JSON the core reads and writes, without a JSON library in the wasm: answers are parsed
//! by `JSON.parse` in JS and handed over as a [`Json`] tree (only envelopes, which are small);
//! request bodies are written here with [`Json::write`] or [`quote`].

use std::fmt::Write as _;

/// A parsed JSON value. Objects keep their keys in order, as own entries (a `__proto__` key is
/// just a key).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Json {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

static NULL: Json = Json::Null;

impl Json {
    /// `self[key]` of an object; [`Json::Null`] when absent or when `self` is no object.
    pub fn get(&self, key: &str) -> &Json {
        match self {
            Json::Object(entries) => entries
                .iter()
                .find(|(name, _)| name == key)
                .map_or(&NULL, |(_, value)| value),
            _ => &NULL,
        }
    }

    pub fn has(&self, key: &str) -> bool {
        matches!(self, Json::Object(entries) if entries.iter().any(|(name, _)| name == key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(number) => Some(*number),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// Calls `visit` with every string in the tree (values and object keys), mutably: how an
    /// error scrubs secrets from whatever a server sent.
    pub fn for_each_string(&mut self, visit: &mut dyn FnMut(&mut String)) {
        match self {
            Json::String(text) => visit(text),
            Json::Array(items) => items
                .iter_mut()
                .for_each(|item| item.for_each_string(visit)),
            Json::Object(entries) => {
                for (key, value) in entries {
                    visit(key);
                    value.for_each_string(visit);
                }
            }
            Json::Null | Json::Bool(_) | Json::Number(_) => {}
        }
    }

    /// JSON text of the value.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
            Json::Number(number) => out.push_str(&number_text(*number)),
            Json::String(text) => quote(text, out),
            Json::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(entries) => {
                out.push('{');
                for (index, (key, value)) in entries.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    quote(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Json::String(text.to_owned())
    }
}

impl From<String> for Json {
    fn from(text: String) -> Self {
        Json::String(text)
    }
}

impl From<f64> for Json {
    fn from(number: f64) -> Self {
        Json::Number(number)
    }
}

impl From<u64> for Json {
    fn from(number: u64) -> Self {
        Json::Number(number as f64)
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Self {
        value.map_or(Json::Null, Into::into)
    }
}

impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(items: Vec<T>) -> Self {
        Json::Array(items.into_iter().map(Into::into).collect())
    }
}

/// An object from `(key, value)` pairs, in that order.
pub fn object<const N: usize>(pairs: [(&str, Json); N]) -> Json {
    Json::Object(entries(pairs))
}

/// An object's entries from `(key, value)` pairs, for an object built in parts.
pub fn entries<const N: usize>(pairs: [(&str, Json); N]) -> Vec<(String, Json)> {
    pairs
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// An array of `items`, each written by `to_json`.
pub fn array<T>(items: &[T], to_json: impl Fn(&T) -> Json) -> Json {
    Json::Array(items.iter().map(to_json).collect())
}

/// 2^53: below it, every whole number has an exact `f64` (and JS number).
pub const EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// Integers print without a fraction, like `JSON.stringify`; JSON has no NaN or infinity.
/// The core writes only integers (page sizes, offsets); any other number is written with 17
/// significant digits by integer arithmetic, because Rust's float formatter alone would add
/// a quarter to the wasm.
fn number_text(number: f64) -> String {
    if !number.is_finite() {
        return "null".to_owned();
    }
    if number.fract() == 0.0 && number.abs() < EXACT_INTEGER {
        return (number as i64).to_string();
    }
    let mut scaled = number.abs();
    let mut exponent = 0i32;
    while scaled >= 1e17 {
        scaled /= 10.0;
        exponent += 1;
    }
    while scaled < 1e16 {
        scaled *= 10.0;
        exponent -= 1;
    }
    let sign = if number < 0.0 { "-" } else { "" };
    format!("{sign}{}e{exponent}", scaled.round() as u64)
}

/// Appends `text` as a JSON string literal.
pub fn quote(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `text` as a JSON string literal, for messages (Rust's `{:?}` would bring its escaping code
/// into the wasm).
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    quote(text, &mut out);
    out
}

/// A field read for a typed result; errors name the field's path
/// (`data.createApiKey.key is missing`).
#[derive(Clone)]
pub struct At<'a> {
    pub value: &'a Json,
    path: String,
}

impl<'a> At<'a> {
    pub fn root(value: &'a Json, path: &str) -> Self {
        Self {
            value,
            path: path.to_owned(),
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn field(&self, key: &str) -> At<'a> {
        At {
            value: self.value.get(key),
            path: if self.path.is_empty() {
                key.to_owned()
            } else {
                format!("{}.{key}", self.path)
            },
        }
    }

    fn problem(&self, what: &str) -> String {
        if self.value.is_null() {
            format!("{} is missing", self.path)
        } else {
            format!("{} is not {what}", self.path)
        }
    }

    pub fn string(&self) -> Result<String, String> {
        self.value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.problem("a string"))
    }

    /// A string, or `None` for null or absent; any other type is an error.
    pub fn optional_string(&self) -> Result<Option<String>, String> {
        match self.value {
            Json::Null => Ok(None),
            _ => self.string().map(Some),
        }
    }

    /// An id: CloudTower sends strings, but a whole number is read as its text (as `String(n)`
    /// writes it); any other number is no id anyone could look up again.
    pub fn id(&self) -> Result<String, String> {
        match self.value {
            Json::String(text) if !text.is_empty() => Ok(text.clone()),
            Json::Number(number) if number.fract() == 0.0 && number.abs() < EXACT_INTEGER => {
                Ok(number_text(*number))
            }
            _ => Err(self.problem("an id")),
        }
    }

    pub fn optional_bool(&self) -> Result<Option<bool>, String> {
        match self.value {
            Json::Null => Ok(None),
            Json::Bool(flag) => Ok(Some(*flag)),
            _ => Err(self.problem("a boolean")),
        }
    }

    pub fn optional_number(&self) -> Result<Option<f64>, String> {
        match self.value {
            Json::Null => Ok(None),
            Json::Number(number) => Ok(Some(*number)),
            _ => Err(self.problem("a number")),
        }
    }

    pub fn object(self) -> Result<At<'a>, String> {
        match self.value {
            Json::Object(_) => Ok(self),
            _ => Err(self.problem("an object")),
        }
    }

    /// Each item of an array read with `read`; null or absent reads as empty.
    pub fn list<T>(&self, read: impl Fn(At<'a>) -> Result<T, String>) -> Result<Vec<T>, String> {
        let items = match self.value {
            Json::Null => return Ok(Vec::new()),
            Json::Array(items) => items,
            _ => return Err(self.problem("an array")),
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                read(At {
                    value: item,
                    path: format!("{}.{index}", self.path),
                })
            })
            .collect()
    }
}

/// Native tests read answers from JSON text, as `JSON.parse` would in JS.
#[cfg(test)]
pub fn parse(text: &str) -> Option<Json> {
    fn convert(value: serde_json::Value) -> Json {
        match value {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(flag) => Json::Bool(flag),
            serde_json::Value::Number(number) => Json::Number(number.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(text) => Json::String(text),
            serde_json::Value::Array(items) => {
                Json::Array(items.into_iter().map(convert).collect())
            }
            serde_json::Value::Object(entries) => Json::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, convert(value)))
                    .collect(),
            ),
        }
    }
    serde_json::from_str(text).ok().map(convert)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_strings_or_whole_numbers_written_as_js_writes_them() {
        let answer = parse(r#"{"a":"c1","b":12,"c":1.5,"d":1e21,"e":-7,"f":""}"#).unwrap();
        let id = |key: &str| At::root(&answer, "x").field(key).id();
        assert_eq!(id("a").unwrap(), "c1");
        assert_eq!(id("b").unwrap(), "12");
        assert_eq!(id("e").unwrap(), "-7");
        assert_eq!(id("c").unwrap_err(), "x.c is not an id");
        assert_eq!(id("d").unwrap_err(), "x.d is not an id");
        assert_eq!(id("f").unwrap_err(), "x.f is not an id");
    }

    #[test]
    fn writes_what_json_parse_reads_back() {
        let value = object([
            ("name", "a\"b\\c\n\u{1}数".into()),
            ("n", Json::Number(3.0)),
            ("f", Json::Number(0.5)),
            ("big", Json::Number(1e21)),
            ("neg", Json::Number(-2.0)),
            ("list", vec![Json::Null, Json::Bool(true)].into()),
            ("__proto__", object([("x", "y".into())])),
        ]);
        let text = value.to_text();
        let read = parse(&text).unwrap();
        assert_eq!(read.get("f").as_f64(), Some(0.5));
        assert_eq!(read.get("big").as_f64(), Some(1e21));
        assert_eq!(read, value);
        assert!(text.starts_with(r#"{"name":"a\"b\\c\n\u0001数","n":3,"#));
    }

    #[test]
    fn fields_name_their_path() {
        let value = parse(r#"{"data":{"k":{"id":7,"roles":[{"id":"r"},{"x":1}]}}}"#).unwrap();
        let k = At::root(&value, "").field("data").field("k");
        assert_eq!(k.field("id").id().unwrap(), "7");
        let roles = k.field("roles").list(|role| role.field("id").string());
        assert_eq!(roles.unwrap_err(), "data.k.roles.1.id is missing");
        assert_eq!(
            At::root(&value, "").field("data").string().unwrap_err(),
            "data is not a string"
        );
        assert!(At::root(&value, "x")
            .field("nope")
            .list(|i| i.string())
            .unwrap()
            .is_empty());
    }
}
