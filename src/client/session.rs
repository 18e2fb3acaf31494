//! Sessions: password login (with LDAP strategy discovery), logout, and who the credential is.

use std::rc::Rc;

use super::{Call, Client};
use crate::core::error::{Error, ErrorCode};
use crate::core::graphql;
use crate::core::model::{AuthnStrategy, LoginOptions, User};
use crate::core::request::validate_name;
use crate::core::secret::Credential;
use crate::core::v2;

impl Client {
    /// Logs in with a password; the client then holds a token. Users with two-factor
    /// authentication get `MFA_REQUIRED`.
    pub async fn login(&self, options: &LoginOptions, call: &Call) -> Result<(), Error> {
        let auth_config_id = match &options.auth_config_id {
            Some(id) => Some(validate_name("authConfigId", id)?),
            None if v2::needs_strategy(options) => {
                let strategies = self.authn_strategies(call).await?;
                Some(v2::choose_strategy(
                    options.source.unwrap_or_default(),
                    &strategies,
                )?)
            }
            None => None,
        };
        let request = v2::login_request(
            &self.settings.endpoint,
            call.language,
            options,
            auth_config_id.as_deref(),
        )?;
        let token = match v2::parse_login(&self.send_envelope(&request, call).await?) {
            Ok(token) => token,
            Err(error) if v2::wants_directory_hint(options, &error) => {
                // Best effort: the hint never replaces the login's own error.
                let strategies = self.authn_strategies(call).await.unwrap_or_default();
                return Err(v2::directory_hint(error, &strategies));
            }
            Err(error) => return Err(error),
        };
        self.set_credential(Credential::Token(token));
        Ok(())
    }

    /// Ends the session of a token (server-side) and forgets the credential. An API key is only
    /// forgotten, not revoked.
    pub async fn logout(&self, call: &Call) -> Result<(), Error> {
        let held = self.credential();
        if let Credential::Token(token) = held.as_ref() {
            let request = graphql::request(
                &self.settings.endpoint,
                Some(token),
                call.language,
                graphql::LOGOUT,
                None,
            );
            match graphql::parse_logout(&self.send_envelope(&request, call).await?) {
                Ok(_) => {}
                // Already invalid on the server: the goal, a dead session, is reached.
                Err(error) if error.code == ErrorCode::Unauthorized => {}
                Err(error) => return Err(error),
            }
        }
        // Forget `held` unless a concurrent login already replaced it.
        let mut slot = self.credential.borrow_mut();
        if Rc::ptr_eq(&slot, &held) {
            *slot = Rc::new(Credential::None);
        }
        Ok(())
    }

    /// The user behind the current credential (GraphQL `my`).
    pub async fn current_user(&self, call: &Call) -> Result<User, Error> {
        self.run_document(graphql::MY, None, graphql::parse_my, call)
            .await
    }

    /// Authentication strategies the server offers (needs no credential).
    pub async fn authn_strategies(&self, call: &Call) -> Result<Vec<AuthnStrategy>, Error> {
        let request = graphql::request(
            &self.settings.endpoint,
            None,
            call.language,
            graphql::AUTHN_STRATEGIES,
            None,
        );
        graphql::parse_authn_strategies(&self.send_envelope(&request, call).await?)
    }
}
