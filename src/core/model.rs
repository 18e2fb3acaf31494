//! Typed inputs and results of the API-key flow, shared by the core and the JS surface.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tsify::Tsify;

use super::secret::Secret;

/// How a user authenticates: local accounts, or LDAP through CloudTower's authentication
/// strategies (`AUTHN` with an `auth_config_id`, CloudTower 3.0+).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, Tsify)]
#[serde(rename_all = "UPPERCASE")]
pub enum UserSource {
    #[default]
    Local,
    Ldap,
    Authn,
}

/// `client.login(...)` input.
#[derive(Debug, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginOptions {
    pub username: String,
    #[tsify(type = "string")]
    #[serde(deserialize_with = "deserialize_secret")]
    pub password: Secret,
    /// Defaults to `"LOCAL"`.
    #[tsify(optional)]
    pub source: Option<UserSource>,
    /// For `LDAP` / `AUTHN`; discovered with the `authnStrategies` query when omitted.
    #[tsify(optional)]
    pub auth_config_id: Option<String>,
}

/// A role as attached to an API key.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, Tsify)]
pub struct ApiKeyRole {
    pub id: String,
    /// `ADMIN`, `READ_ONLY`, ... (`UserRolePreset`), or null for a custom role.
    #[tsify(type = "string | null")]
    pub preset: Option<String>,
}

/// A newly issued API key: the only object that ever carries the key itself.
#[derive(Deserialize, Serialize, Tsify)]
pub struct ApiKey {
    pub id: String,
    /// The secret. CloudTower shows it once, at creation: store it now.
    #[tsify(type = "string")]
    #[serde(
        serialize_with = "serialize_secret",
        deserialize_with = "deserialize_secret"
    )]
    pub key: Secret,
    pub name: String,
    pub roles: Vec<ApiKeyRole>,
}

/// An existing API key as listed by the server, without its secret.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, Tsify)]
pub struct ApiKeyRecord {
    pub id: String,
    pub name: String,
    #[tsify(type = "string | null")]
    pub description: Option<String>,
    #[tsify(type = "boolean | null")]
    pub editable: Option<bool>,
    #[tsify(type = "string | null")]
    pub username: Option<String>,
    pub roles: Vec<ApiKeyRole>,
}

/// `client.deleteApiKey(key)` result. Deleting a key that no longer exists is not an error:
/// `alreadyRevoked` is then true and `id` null.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct DeleteApiKeyResult {
    #[tsify(type = "string | null")]
    pub id: Option<String>,
    pub already_revoked: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, Tsify)]
pub struct UserRole {
    pub id: String,
    pub name: String,
    #[tsify(type = "string | null")]
    pub preset: Option<String>,
}

/// The user behind the client's credential (GraphQL `my`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, Tsify)]
pub struct User {
    pub id: String,
    pub username: String,
    pub name: String,
    pub source: String,
    pub roles: Vec<UserRole>,
}

/// An authentication strategy (GraphQL `authnStrategies`), e.g. an LDAP directory.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, Tsify)]
pub struct AuthnStrategy {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

fn serialize_secret<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

fn deserialize_secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
    let value = String::deserialize(deserializer)?;
    Ok(Secret::new(&value))
}
