//! API keys: issue, revoke (by key or by id), list, rotate, and a temporary key around a
//! callback. Every path either hands a created key to the caller or revokes it and says so.

use std::future::Future;

use super::{Call, Client};
use crate::core::error::{Error, ErrorCode};
use crate::core::graphql;
use crate::core::model::{ApiKey, ApiKeyRecord, DeleteApiKeyResult};
use crate::core::request::{validate_credential, validate_name};
use crate::core::secret::{Credential, Secret};

/// What `withTemporaryApiKey` ended with: the callback's outcome, and the revoke's.
pub struct TemporaryKeyOutcome<T, E> {
    pub callback: Result<T, E>,
    pub revoke: Result<(), Error>,
}

impl Client {
    /// Issues a key (needs a token). An answer that carries a key beside errors (a resolver
    /// failing on another selected field) must not leave a key that nobody holds: that key is
    /// revoked at once and the error says so.
    pub async fn issue_key(&self, name: &str, call: &Call) -> Result<ApiKey, Error> {
        self.require_token("createApiKey")?;
        let name = validate_name("name", name)?;
        let issued = self
            .run_document(
                graphql::CREATE_API_KEY,
                graphql::variables("name", &name),
                graphql::parse_create_api_key,
                call,
            )
            .await;
        let mut error = match issued {
            Ok(key) => return Ok(key),
            Err(error) => error,
        };
        let stray = error
            .details
            .data
            .as_ref()
            .and_then(|data| data.get("createApiKey").get("key").as_str())
            .map(Secret::new);
        match stray {
            Some(key) => {
                let revoked = self.revoke_key(&key, call).await;
                error.message = match revoked {
                    Ok(_) => format!(
                        "{}; the server created the key anyway, and it was revoked",
                        error.message
                    ),
                    Err(revoke) => format!(
                        "{}; the server created the key anyway, and revoking it failed too ({}): find it with listApiKeys() and delete it",
                        error.message, revoke.message
                    ),
                };
                Err(error.redact(&[&key]))
            }
            // The server answered, so it may well have created the key it failed to describe.
            None if error.code == ErrorCode::Decode => {
                error
                    .message
                    .push_str("; the key may have been created: check listApiKeys()");
                Err(error)
            }
            None => Err(error),
        }
    }

    /// Revokes a key (needs a token). A key that no longer exists is `alreadyRevoked: true`.
    pub async fn revoke_key(&self, key: &Secret, call: &Call) -> Result<DeleteApiKeyResult, Error> {
        self.require_token("deleteApiKey")?;
        self.run_document(
            graphql::DELETE_API_KEY,
            graphql::variables("key", key.expose()),
            graphql::parse_delete_api_key,
            call,
        )
        .await
        .map_err(|e| e.redact(&[key]))
    }

    /// Revokes a listed key, whose secret the lister does not have, by its id.
    pub async fn revoke_key_by_id(
        &self,
        id: &str,
        call: &Call,
    ) -> Result<DeleteApiKeyResult, Error> {
        self.require_token("deleteApiKey")?;
        self.run_document(
            graphql::DELETE_API_KEY_BY_ID,
            graphql::variables("id", id),
            graphql::parse_delete_api_key_by_id,
            call,
        )
        .await
    }

    /// Lists keys without their secrets; `UNSUPPORTED` when the server has no such query.
    pub async fn list_keys(&self, call: &Call) -> Result<Vec<ApiKeyRecord>, Error> {
        self.run_document(
            graphql::LIST_API_KEYS,
            None,
            graphql::parse_list_api_keys,
            call,
        )
        .await
    }

    /// Replaces `old` with a new key named `name`: check the old key is live, issue, prove the
    /// new key works, revoke the old one. If any step fails the old key stays valid, the new
    /// one is revoked, and the error's `step` says which step failed.
    pub async fn rotate_key(&self, old: &str, name: &str, call: &Call) -> Result<ApiKey, Error> {
        validate_name("name", name)?;
        let old = validate_credential("key", old)?;
        // A mistyped or already revoked key would "rotate" into a second key while the real
        // old one stays valid: make sure it is a live key first.
        self.with_credential(Credential::ApiKey(old.clone()))
            .current_user(call)
            .await
            .map_err(|e| e.with_step("check old key"))?;
        let new = self
            .issue_key(name, call)
            .await
            .map_err(|e| e.with_step("issue new key"))?;
        let outcome = match self
            .with_credential(Credential::ApiKey(new.key.clone()))
            .current_user(call)
            .await
        {
            Ok(_) => self
                .revoke_key(&old, call)
                .await
                .map(|_| ())
                .map_err(|e| e.with_step("revoke old key")),
            Err(error) => Err(error.with_step("verify new key")),
        };
        match outcome {
            Ok(()) => Ok(new),
            Err(mut error) => {
                // Roll back so that exactly one key, the old one, stays valid.
                if let Err(rollback) = self.revoke_key(&new.key, call).await {
                    error.message = format!(
                        "{} (the new key {} could not be revoked either: {}; delete it with deleteApiKey({{ id: \"{}\" }}))",
                        error.message, new.id, rollback.message, new.id
                    );
                }
                Err(error.redact(&[&new.key]))
            }
        }
    }

    /// Issues a key, runs `run` with a client that uses it, and revokes the key on every path.
    /// Only the issue can fail the flow itself; the callback's and the revoke's outcomes are
    /// both returned, for the caller to report together.
    pub async fn with_temporary_key<T, E, F, Fut>(
        &self,
        name: &str,
        call: &Call,
        run: F,
    ) -> Result<TemporaryKeyOutcome<T, E>, Error>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let key = self.issue_key(name, call).await?;
        let callback = run(self.with_credential(Credential::ApiKey(key.key.clone()))).await;
        let revoke = self.revoke_key(&key.key, call).await.map(|_| ()).map_err(|error| {
            let mut error = error.redact(&[&key.key]).with_step("revoke temporary key");
            error.message = format!(
                "{}; the temporary key {} is still valid: revoke it with deleteApiKey({{ id: \"{}\" }})",
                error.message, key.id, key.id
            );
            error
        });
        Ok(TemporaryKeyOutcome { callback, revoke })
    }
}
