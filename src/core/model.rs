//! Typed inputs and results of the API-key flow, shared by the core and the JS surface.

use tsify::Tsify;

use super::json::{array, object, At, Json};
use super::request::validate_credential;
use super::secret::Secret;

/// What reading a result from an answer gives: the value, or what was wrong and where.
type Read<T> = Result<T, String>;

/// How a user authenticates: local accounts, or LDAP through CloudTower's authentication
/// strategies (`AUTHN` with an `auth_config_id`, CloudTower 3.0+).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Tsify)]
#[serde(rename_all = "UPPERCASE")]
pub enum UserSource {
    #[default]
    Local,
    Ldap,
    Authn,
}

impl UserSource {
    pub const ALL: [UserSource; 3] = [UserSource::Local, UserSource::Ldap, UserSource::Authn];

    pub fn as_str(self) -> &'static str {
        match self {
            UserSource::Local => "LOCAL",
            UserSource::Ldap => "LDAP",
            UserSource::Authn => "AUTHN",
        }
    }
}

/// `client.login(...)` input.
#[derive(Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct LoginOptions {
    pub username: String,
    #[tsify(type = "string")]
    pub password: Secret,
    /// Defaults to `"LOCAL"`.
    #[tsify(optional)]
    pub source: Option<UserSource>,
    /// For `LDAP` / `AUTHN`; discovered with the `authnStrategies` query when omitted.
    #[tsify(optional)]
    pub auth_config_id: Option<String>,
}

/// A role as attached to an API key.
#[derive(Clone, Debug, PartialEq, Tsify)]
pub struct ApiKeyRole {
    pub id: String,
    /// `ADMIN`, `READ_ONLY`, ... (`UserRolePreset`), or null for a custom role.
    #[tsify(type = "string | null")]
    pub preset: Option<String>,
}

/// A newly issued API key: the only object that ever carries the key itself.
#[derive(Tsify)]
pub struct ApiKey {
    pub id: String,
    /// The secret. CloudTower shows it once, at creation: store it now.
    #[tsify(type = "string")]
    pub key: Secret,
    pub name: String,
    pub roles: Vec<ApiKeyRole>,
}

/// An existing API key as listed by the server, without its secret.
#[derive(Clone, Debug, PartialEq, Tsify)]
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
#[derive(Clone, Debug, PartialEq, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct DeleteApiKeyResult {
    #[tsify(type = "string | null")]
    pub id: Option<String>,
    pub already_revoked: bool,
}

#[derive(Clone, Debug, PartialEq, Tsify)]
pub struct UserRole {
    pub id: String,
    pub name: String,
    #[tsify(type = "string | null")]
    pub preset: Option<String>,
}

/// The user behind the client's credential (GraphQL `my`).
#[derive(Clone, Debug, PartialEq, Tsify)]
pub struct User {
    pub id: String,
    pub username: String,
    pub name: String,
    pub source: String,
    pub roles: Vec<UserRole>,
}

/// An authentication strategy (GraphQL `authnStrategies`), e.g. an LDAP directory.
#[derive(Clone, Debug, PartialEq, Tsify)]
pub struct AuthnStrategy {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

// What JS receives: `to_json` writes each result with the names its TypeScript type (derived
// above) declares; `tests/client/result-shapes.test.mjs` holds the two together.

impl ApiKeyRole {
    pub fn to_json(&self) -> Json {
        object([
            ("id", self.id.as_str().into()),
            ("preset", self.preset.clone().into()),
        ])
    }
}

impl ApiKey {
    /// The one place a key's secret is written out: the caller asked for it.
    pub fn to_json(&self) -> Json {
        object([
            ("id", self.id.as_str().into()),
            ("key", self.key.expose().into()),
            ("name", self.name.as_str().into()),
            ("roles", array(&self.roles, ApiKeyRole::to_json)),
        ])
    }
}

impl ApiKeyRecord {
    pub fn to_json(&self) -> Json {
        object([
            ("id", self.id.as_str().into()),
            ("name", self.name.as_str().into()),
            ("description", self.description.clone().into()),
            ("editable", self.editable.map(Json::Bool).into()),
            ("username", self.username.clone().into()),
            ("roles", array(&self.roles, ApiKeyRole::to_json)),
        ])
    }
}

impl DeleteApiKeyResult {
    pub fn to_json(&self) -> Json {
        object([
            ("id", self.id.clone().into()),
            ("alreadyRevoked", Json::Bool(self.already_revoked)),
        ])
    }
}

impl UserRole {
    pub fn to_json(&self) -> Json {
        object([
            ("id", self.id.as_str().into()),
            ("name", self.name.as_str().into()),
            ("preset", self.preset.clone().into()),
        ])
    }
}

impl User {
    pub fn to_json(&self) -> Json {
        object([
            ("id", self.id.as_str().into()),
            ("username", self.username.as_str().into()),
            ("name", self.name.as_str().into()),
            ("source", self.source.as_str().into()),
            ("roles", array(&self.roles, UserRole::to_json)),
        ])
    }
}

impl AuthnStrategy {
    pub fn to_json(&self) -> Json {
        object([
            ("id", self.id.as_str().into()),
            ("type", self.kind.as_str().into()),
        ])
    }
}

impl ApiKeyRole {
    fn read(at: At<'_>) -> Read<Self> {
        Ok(Self {
            id: at.field("id").id()?,
            preset: at.field("preset").optional_string()?,
        })
    }
}

impl ApiKey {
    /// `createApiKey`'s answer. Only `key` is indispensable; a server that leaves out the
    /// other selected fields still hands over a key that works.
    pub fn read(at: At<'_>) -> Read<Self> {
        let at = at.object()?;
        let key = at.field("key").string()?;
        // A key is sent back as a header value: an unusable one is not a key to hand out.
        let key = validate_credential("key", &key).map_err(|_| {
            format!(
                "{} cannot be sent as a header value (it is too short, or holds spaces or control characters)",
                at.field("key").path()
            )
        })?;
        Ok(Self {
            key,
            id: at.field("id").id()?,
            name: at.field("name").optional_string()?.unwrap_or_default(),
            roles: at.field("roles").list(ApiKeyRole::read)?,
        })
    }
}

impl ApiKeyRecord {
    pub fn read(at: At<'_>) -> Read<Self> {
        Ok(Self {
            id: at.field("id").id()?,
            name: at.field("name").optional_string()?.unwrap_or_default(),
            description: at.field("description").optional_string()?,
            editable: at.field("editable").optional_bool()?,
            username: at.field("username").optional_string()?,
            roles: at.field("roles").list(ApiKeyRole::read)?,
        })
    }
}

impl UserRole {
    fn read(at: At<'_>) -> Read<Self> {
        Ok(Self {
            id: at.field("id").id()?,
            name: at.field("name").optional_string()?.unwrap_or_default(),
            preset: at.field("preset").optional_string()?,
        })
    }
}

impl User {
    pub fn read(at: At<'_>) -> Read<Self> {
        let at = at.object()?;
        Ok(Self {
            id: at.field("id").id()?,
            username: at.field("username").string()?,
            name: at.field("name").optional_string()?.unwrap_or_default(),
            source: at.field("source").optional_string()?.unwrap_or_default(),
            roles: at.field("roles").list(UserRole::read)?,
        })
    }
}

impl AuthnStrategy {
    pub fn read(at: At<'_>) -> Read<Self> {
        Ok(Self {
            id: at.field("id").id()?,
            kind: at.field("type").string()?,
        })
    }
}
