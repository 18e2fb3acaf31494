//! Conversions between JS values and the core's types: options in, results and errors out.

use std::cell::RefCell;

use js_sys::{Array, Function, JsString, Object, Reflect, JSON};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::error::{Error, ErrorCode};
use crate::core::operations::JsonKind;

#[wasm_bindgen]
extern "C" {
    // js-sys's `JSON::parse` takes `&str`, which would copy a large body into wasm memory and
    // back; this binding hands the JS string straight to `JSON.parse`.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_js_string(text: &JsString) -> Result<JsValue, JsValue>;
}

thread_local! {
    /// The package's `CloudTowerError` class, registered by its entry file: wasm-bindgen cannot
    /// define an `Error` subclass for every target, so the class is written in JS.
    static ERROR_CLASS: RefCell<Option<Function>> = const { RefCell::new(None) };
}

#[wasm_bindgen(js_name = "__registerErrorClass", skip_typescript)]
pub fn register_error_class(class: Function) {
    ERROR_CLASS.with(|slot| *slot.borrow_mut() = Some(class));
}

/// Deserialises JS input, naming the offending field in the error (`options.timeoutMs: ...`).
/// Unknown fields are refused too (serde-wasm-bindgen only reads the fields it knows, so a
/// misspelt `timeout` would otherwise be silently ignored).
pub fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, Error> {
    if !value.is_object() || Array::is_array(&value) || value.is_function() {
        return Err(Error::invalid_argument(what, "must be an object"));
    }
    {
        let known = struct_fields::<T>();
        if let Some(unknown) = Object::keys(value.unchecked_ref::<Object>())
            .iter()
            .filter_map(|key| key.as_string())
            .find(|key| !known.contains(&key.as_str()))
        {
            return Err(Error::invalid_argument(
                &format!("{what}.{unknown}"),
                format!("unknown option; expected one of {}", known.join(", ")),
            ));
        }
    }
    let deserializer = serde_wasm_bindgen::Deserializer::from(value);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." {
            what.to_owned()
        } else {
            format!("{what}.{path}")
        };
        Error::invalid_argument(&field, without_value(&error.into_inner().to_string()))
    })
}

/// serde's messages quote the offending value ("invalid type: JsValue([\"hunter2\"]), expected
/// a string"), which could be a misplaced secret: keep only what was expected, in JS terms.
fn without_value(message: &str) -> String {
    let message = message.strip_prefix("Error: ").unwrap_or(message);
    let Some((_, expected)) = message.split_once(", expected ") else {
        return message.to_owned();
    };
    let expected = match expected {
        "f64" | "f32" | "u32" | "u64" | "i32" | "i64" => "a number",
        "a boolean" | "a string" => expected,
        other if other.starts_with("struct ") || other.starts_with("a map") => "an object",
        other => other,
    };
    format!("expected {expected}")
}

/// Like [`from_js`], for an optional options argument: `undefined` or `null` means the defaults.
pub fn optional_from_js<T: DeserializeOwned + Default>(
    value: JsValue,
    what: &str,
) -> Result<T, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    from_js(value, what)
}

pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| {
            Error::new(
                ErrorCode::Decode,
                format!("cannot convert a result to JS: {e}"),
            )
        })
}

/// `JSON.stringify(body)`, refusing what JSON cannot hold (cycles, BigInt, functions).
pub fn stringify(value: &JsValue, field: &str) -> Result<Option<String>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let text = JSON::stringify(value).map_err(|thrown| {
        let reason = Reflect::get(&thrown, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        Error::invalid_argument(field, format!("is not JSON-serialisable ({reason})"))
    })?;
    text.as_string()
        .map(Some)
        .ok_or_else(|| Error::invalid_argument(field, "is not JSON-serialisable"))
}

/// `JSON.parse` of an answer, with a short excerpt of the text when it is not JSON.
pub fn parse_json(body: &JsString, operation: &str) -> Result<JsValue, Error> {
    parse_js_string(body).map_err(|_| {
        let head = String::from(body.slice(0, 400));
        Error::new(
            ErrorCode::Decode,
            format!(
                "{operation}: the answer is not valid JSON ({} characters): {}",
                body.length(),
                crate::core::response::excerpt(&head)
            ),
        )
        .with_operation(operation)
    })
}

pub fn json_kind(value: &JsValue) -> JsonKind {
    if Array::is_array(value) {
        JsonKind::Array
    } else if value.is_string() {
        JsonKind::String
    } else if value.is_object() {
        JsonKind::Object
    } else {
        JsonKind::Other
    }
}

/// The thrown value for a core error: a `CloudTowerError` (a real `Error`) with stable fields.
pub fn to_js_error(error: Error, cause: Option<JsValue>) -> JsValue {
    let fields = Object::new();
    let set = |name: &str, value: JsValue| {
        let _ = Reflect::set(&fields, &name.into(), &value);
    };
    let optional = |value: Option<&str>| value.map_or(JsValue::NULL, JsValue::from_str);
    set("code", error.code.as_str().into());
    set("status", error.status.into());
    set("requestId", optional(error.request_id.as_deref()));
    set("operation", optional(error.operation.as_deref()));
    set(
        "errorBody",
        error
            .details
            .error_body
            .as_ref()
            .and_then(|b| to_js(b).ok())
            .unwrap_or(JsValue::NULL),
    );
    if let Some(errors) = &error.details.graphql_errors {
        set("graphqlErrors", to_js(errors).unwrap_or(JsValue::NULL));
    }
    if let Some(data) = &error.details.data {
        set("data", JSON::parse(data).unwrap_or(JsValue::NULL));
    }
    if let Some(step) = error.step {
        set("step", step.into());
    }
    if !error.details.failed_tasks.is_empty() {
        set(
            "failedTasks",
            to_js(&error.details.failed_tasks).unwrap_or(JsValue::NULL),
        );
    }
    if let Some(cause) = cause {
        set("cause", cause);
    }
    let message = JsValue::from_str(&error.message);
    let class = ERROR_CLASS.with(|slot| slot.borrow().clone());
    if let Some(class) = class {
        let args = Array::of2(&message, &fields);
        if let Ok(instance) = Reflect::construct(&class, &args) {
            return instance;
        }
    }
    // Without the package entry (e.g. the raw wasm-bindgen module) it is still an Error with
    // the same name and fields.
    let plain = js_sys::Error::new(&error.message);
    plain.set_name("CloudTowerError");
    let _ = Object::assign(&plain, &fields);
    plain.unchecked_into()
}

/// The field names a struct deserialises from, read by asking it to deserialise from a
/// deserializer that records what `deserialize_struct` is given.
fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Capture(&'static [&'static str]);
    #[derive(Debug)]
    struct Captured;
    impl std::fmt::Display for Captured {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("captured")
        }
    }
    impl std::error::Error for Captured {}
    impl serde::de::Error for Captured {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Captured
        }
    }
    impl<'de> serde::Deserializer<'de> for &mut Capture {
        type Error = Captured;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
            Err(Captured)
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Captured> {
            self.0 = fields;
            Err(Captured)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut capture = Capture(&[]);
    let _ = T::deserialize(&mut capture);
    capture.0
}

#[cfg(test)]
mod tests {
    use super::without_value;

    #[test]
    fn serde_messages_lose_the_offending_value() {
        assert_eq!(
            without_value(r#"Error: invalid type: JsValue(["Canary-Pass"]), expected a string"#),
            "expected a string"
        );
        assert_eq!(
            without_value(r#"invalid type: string "x", expected f64"#),
            "expected a number"
        );
        assert_eq!(
            without_value("unknown variant `fr-FR`, expected one of `en-US`, `zh-CN`, `*`"),
            "expected one of `en-US`, `zh-CN`, `*`"
        );
        assert_eq!(
            without_value("missing field `endpoint`"),
            "missing field `endpoint`"
        );
        assert_eq!(
            without_value("invalid type: sequence, expected struct RetryPolicy"),
            "expected an object"
        );
    }
}
