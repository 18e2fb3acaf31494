//! Property tests of the core (native only): user input never changes a GraphQL document and
//! round-trips through `variables` (the core's own JSON writer, read back by serde_json); no
//! operation name escapes the `/v2/api/` path.

#![cfg(not(target_arch = "wasm32"))]

use cloudtower_wasm::core::endpoint::Endpoint;
use cloudtower_wasm::core::graphql;
use cloudtower_wasm::core::operations;
use cloudtower_wasm::core::request::Language;
use cloudtower_wasm::core::secret::Secret;
use cloudtower_wasm::core::v2;
use proptest::prelude::*;
use serde_json::Value;

fn endpoint() -> Endpoint {
    Endpoint::parse("https://tower.example/prefix").unwrap()
}

fn body_of(request: &cloudtower_wasm::core::request::HttpRequest) -> Value {
    serde_json::from_str(request.body.as_deref().unwrap()).expect("the body is JSON")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_name_travels_only_in_variables(name in any::<String>()) {
        let token = Secret::new("tok");
        let request = graphql::request(&endpoint(), Some(&token), Language::EnUs, graphql::CREATE_API_KEY, graphql::variables("name", &name));
        let body = body_of(&request);
        prop_assert_eq!(body["query"].as_str().unwrap().as_bytes(), graphql::CREATE_API_KEY.text.as_bytes());
        prop_assert_eq!(body["variables"]["name"].as_str().unwrap(), name.as_str());
        prop_assert_eq!(body["operationName"].as_str(), Some("createApiKey"));
        prop_assert_eq!(request.url.as_str(), "https://tower.example/prefix/api");
    }

    #[test]
    fn any_key_travels_only_in_variables(key in "\\PC*") {
        let token = Secret::new("tok");
        let request = graphql::request(&endpoint(), Some(&token), Language::ZhCn, graphql::DELETE_API_KEY, graphql::variables("key", &key));
        let body = body_of(&request);
        prop_assert_eq!(body["query"].as_str().unwrap(), graphql::DELETE_API_KEY.text);
        prop_assert_eq!(body["variables"]["key"].as_str().unwrap(), key.as_str());
    }

}

proptest! {
    // Fewer cases: each refused name costs a suggestion search over the whole catalogue.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn operation_names_never_escape_the_v2_path(
        prefix in prop::sample::select(vec!["", "../", "..%2f", "%2e%2e/", "./", "/", "get-vms/../", "get-vms?", "get-vms#", "get-vms%3F", "GET-VMS"]),
        tail in "[a-z./%?#-]{0,12}",
    ) {
        let name = format!("{prefix}{tail}");
        match operations::lookup(&name) {
            Ok(operation) => {
                let request = v2::call_request(&endpoint(), &operation, None, Language::EnUs, None).unwrap();
                let path = request.url.strip_prefix("https://tower.example/prefix/v2/api/").expect("stays under /v2/api/");
                prop_assert!(path.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", path);
            }
            Err(error) => prop_assert_eq!(error.code, cloudtower_wasm::core::error::ErrorCode::InvalidArgument),
        }
    }

    #[test]
    fn endpoints_either_parse_to_a_clean_base_or_are_refused(input in "\\PC{0,40}") {
        if let Ok(endpoint) = Endpoint::parse(&input) {
            let base = endpoint.as_str();
            prop_assert!(base.starts_with("http://") || base.starts_with("https://"));
            prop_assert!(!base.contains(['?', '#', '@', ' ']));
            prop_assert!(!base.ends_with('/'));
        }
    }
}

#[test]
fn every_catalogue_operation_maps_to_its_own_path() {
    for operation in operations::all() {
        let request = v2::call_request(&endpoint(), &operation, None, Language::EnUs, None);
        if let Ok(request) = request {
            assert_eq!(
                request.url,
                format!("https://tower.example/prefix/v2/api/{}", operation.name)
            );
        }
    }
}
