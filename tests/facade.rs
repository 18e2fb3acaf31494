//! The wasm facade, run in Node by wasm-bindgen-test: conversion of options, results and errors
//! across the JS boundary, without a server (network failures use a closed local port).

#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect, JSON};
use tsify::Ts;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use cloudtower_wasm::CloudTowerClient;

fn options(json: &str) -> Ts<cloudtower_wasm::ClientOptions> {
    Ts::new_unchecked(JSON::parse(json).unwrap())
}

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &name.into()).unwrap()
}

fn client(json: &str) -> CloudTowerClient {
    CloudTowerClient::new(options(json)).unwrap_or_else(|e| panic!("{:?}", field(&e, "message")))
}

async fn rejection(promise: js_sys::Promise) -> JsValue {
    JsFuture::from(promise)
        .await
        .expect_err("the promise should reject")
}

#[wasm_bindgen_test]
fn invalid_options_throw_named_errors_with_the_field() {
    for (json, field_name) in [
        (r#"{"endpoint":"file:///etc/passwd"}"#, "endpoint"),
        (r#"{"endpoint":"https://u:p@tower.example"}"#, "endpoint"),
        (r#"{"endpoint":5}"#, "options.endpoint"),
        (
            r#"{"endpoint":"https://t.example","timeoutMs":-1}"#,
            "options.timeoutMs",
        ),
        (
            r#"{"endpoint":"https://t.example","timeout":5}"#,
            "options.timeout",
        ),
        (
            r#"{"endpoint":"https://t.example","token":"a","apiKey":"b"}"#,
            "options",
        ),
        (
            r#"{"endpoint":"https://t.example","language":"fr-FR"}"#,
            "options.language",
        ),
    ] {
        let error = CloudTowerClient::new(options(json)).err().expect(json);
        assert!(error.is_instance_of::<js_sys::Error>(), "{json}");
        assert_eq!(
            field(&error, "name").as_string().as_deref(),
            Some("CloudTowerError")
        );
        assert_eq!(
            field(&error, "code").as_string().as_deref(),
            Some("INVALID_ARGUMENT")
        );
        assert_eq!(field(&error, "status").as_f64(), Some(0.0));
        let message = field(&error, "message").as_string().unwrap();
        assert!(
            message.starts_with(&format!("{field_name}:")),
            "{json}: {message}"
        );
    }
}

#[wasm_bindgen_test]
fn credentials_are_held_but_never_shown() {
    let keyed = client(r#"{"endpoint":"https://tower.example/","apiKey":"key-canary-1"}"#);
    assert_eq!(keyed.auth_kind(), "apiKey");
    assert_eq!(keyed.endpoint(), "https://tower.example");
    let summary = JSON::stringify(&keyed.to_json())
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(
        summary,
        r#"{"endpoint":"https://tower.example","authKind":"apiKey"}"#
    );
    assert!(!keyed.to_string_js().contains("canary"));
    let token = keyed.with_token("tok-canary-2".into()).unwrap();
    assert_eq!(token.auth_kind(), "token");
    assert_eq!(
        keyed.auth_kind(),
        "apiKey",
        "withToken returns a new client"
    );
    let error = keyed.with_api_key("has space".into()).err().unwrap();
    assert_eq!(
        field(&error, "code").as_string().as_deref(),
        Some("INVALID_ARGUMENT")
    );
}

#[wasm_bindgen_test]
async fn unknown_operations_are_refused_before_any_request() {
    let client = client(r#"{"endpoint":"http://127.0.0.1:9"}"#);
    let error =
        rejection(client.call("get-vm".into(), Object::new().into(), JsValue::UNDEFINED)).await;
    assert_eq!(
        field(&error, "code").as_string().as_deref(),
        Some("INVALID_ARGUMENT")
    );
    assert!(field(&error, "message")
        .as_string()
        .unwrap()
        .contains("did you mean get-vms"));
}

#[wasm_bindgen_test]
async fn transport_failures_are_network_for_reads_and_outcome_unknown_never_for_refused_connections(
) {
    let client =
        client(r#"{"endpoint":"http://127.0.0.1:9","apiKey":"key-canary-3","retry":false}"#);
    let read =
        rejection(client.call("get-vms".into(), Object::new().into(), JsValue::UNDEFINED)).await;
    assert_eq!(field(&read, "code").as_string().as_deref(), Some("NETWORK"));
    assert_eq!(field(&read, "status").as_f64(), Some(0.0));
    assert_eq!(
        field(&read, "operation").as_string().as_deref(),
        Some("get-vms")
    );
    // A refused connection proves the request never left, so even a mutation is plain NETWORK.
    let body = JSON::parse(r#"{"where":{"id":"x"}}"#).unwrap();
    let write = rejection(client.call("start-vm".into(), body, JsValue::UNDEFINED)).await;
    assert_eq!(
        field(&write, "code").as_string().as_deref(),
        Some("NETWORK"),
        "{:?}",
        field(&write, "message")
    );
    let text = JSON::stringify(&write).unwrap().as_string().unwrap();
    assert!(!text.contains("canary"), "{text}");
}

#[wasm_bindgen_test]
async fn key_management_needs_a_token() {
    let keyed = client(r#"{"endpoint":"http://127.0.0.1:9","apiKey":"key-canary-4"}"#);
    let name = Ts::new_unchecked(JSON::parse(r#"{"name":"ci"}"#).unwrap());
    let error = rejection(keyed.create_api_key(name, None)).await;
    assert_eq!(
        field(&error, "code").as_string().as_deref(),
        Some("INVALID_ARGUMENT")
    );
    let anonymous = client(r#"{"endpoint":"http://127.0.0.1:9"}"#);
    let error = rejection(anonymous.delete_api_key("key-canary-5".into(), None)).await;
    assert_eq!(
        field(&error, "code").as_string().as_deref(),
        Some("UNAUTHORIZED")
    );
    assert!(!field(&error, "message")
        .as_string()
        .unwrap()
        .contains("canary"));
    let _ = error.dyn_into::<js_sys::Error>().unwrap();
}
