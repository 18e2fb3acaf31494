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
    /// new key works, revoke the old one. The error's `step` says which step failed, and what
    /// it leaves: the old key valid and the new one revoked; or, when revoking the old key
    /// failed in a way that leaves its state unknown, both named so that one surely works.
    pub async fn rotate_key(&self, old: &str, name: &str, call: &Call) -> Result<ApiKey, Error> {
        validate_name("name", name)?;
        let old = validate_credential("key", old)?;
        let owner = self.snapshot();
        let old_client = self.with_credential(Credential::ApiKey(old.clone()));
        // A mistyped or already revoked key would "rotate" into a second key while the real
        // old one stays valid: make sure it is a live key first.
        old_client
            .current_user(call)
            .await
            .map_err(|e| e.with_step("check old key"))?;
        let new = owner
            .issue_key(name, call)
            .await
            .map_err(|e| e.with_step("issue new key"))?;
        let verified = self
            .with_credential(Credential::ApiKey(new.key.clone()))
            .current_user(call)
            .await;
        let error = match verified {
            Err(error) => error.with_step("verify new key"),
            Ok(_) => match owner.revoke_confirmed(&old, call).await {
                Ok(()) => return Ok(new),
                Err(error) => {
                    let error = error.with_step("revoke old key");
                    match old_client.current_user(call).await {
                        // The revoke took effect after all (its answer was lost).
                        Err(check) if check.code == ErrorCode::Unauthorized => return Ok(new),
                        Ok(_) => error,
                        Err(check) => {
                            let mut error = error;
                            error.message = format!(
                                "{}; whether the old key was revoked is unknown (checking it failed: {}), so the new key {} was kept: once you know, delete the key you do not want with deleteApiKey({{ id }})",
                                error.message, check.message, new.id
                            );
                            return Err(error.redact(&[&new.key]));
                        }
                    }
                }
            },
        };
        // The old key surely still works: roll back so that exactly one key, the old one, stays.
        let mut error = error;
        match owner.revoke_confirmed(&new.key, call).await {
            Ok(()) => error
                .message
                .push_str("; the old key is still valid and the new key was revoked"),
            Err(rollback) => {
                error.message = format!(
                    "{} (the new key {} could not be revoked either: {}; delete it with deleteApiKey({{ id: \"{}\" }}))",
                    error.message, new.id, rollback.message, new.id
                );
            }
        }
        Err(error.redact(&[&new.key]))
    }

    /// Revokes `key` and makes sure it is gone: a server that answers "no such key" for a key
    /// that still works (one of another user, say) is an error, not a revoke.
    async fn revoke_confirmed(&self, key: &Secret, call: &Call) -> Result<(), Error> {
        let result = match self.revoke_key(key, call).await {
            // With `failover: "manual"` a 307 ends a call so that the caller decides; a revoke
            // that cleans up a key is better made on the new active node (the 307 proves it was
            // not performed) than left undone.
            Err(error) if error.code == ErrorCode::FailoverRequired => {
                self.revoke_key(key, call).await?
            }
            other => other?,
        };
        if !result.already_revoked {
            return Ok(());
        }
        match self
            .with_credential(Credential::ApiKey(key.clone()))
            .current_user(call)
            .await
        {
            Ok(_) => Err(Error::new(
                ErrorCode::Graphql,
                "deleteApiKey: the server answered that no such key exists, yet the key still works (is it another user's key?)",
            )
            .with_operation("deleteApiKey")),
            Err(_) => Ok(()),
        }
    }

    /// A client holding the current credential for good: a flow keeps acting as the user who
    /// started it, even if the caller logs in as someone else meanwhile.
    fn snapshot(&self) -> Client {
        self.with_credential(self.credential().as_ref().clone())
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
        let owner = self.snapshot();
        let key = owner.issue_key(name, call).await?;
        let callback = run(self.with_credential(Credential::ApiKey(key.key.clone()))).await;
        let revoke = owner.revoke_confirmed(&key.key, call).await.map_err(|error| {
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
