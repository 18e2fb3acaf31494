//! Secrets (passwords, tokens, API keys) in a type that cannot be printed by accident.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// The shortest token or key accepted. CloudTower's are tens of characters; a shorter string is
/// a mistake (a shorter secret, i.e. a password, is redacted only where it stands alone).
pub const MIN_CREDENTIAL: usize = 8;

/// A password, token or API key. `Debug` and `Display` print `[REDACTED]`; the only way to the
/// value is [`Secret::expose`], which the request builder calls when it fills `Authorization`
/// or a login body.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: &str) -> Self {
        Self(SecretString::from(value))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// The credential a client sends in `Authorization`: CloudTower takes a token and an API key the
/// same way (raw header value), but only a token may issue or revoke keys.
#[derive(Clone, Debug, Default)]
pub enum Credential {
    #[default]
    None,
    Token(Secret),
    ApiKey(Secret),
}

/// What kind of credential a client holds, the only thing about it a getter may reveal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    None,
    Token,
    ApiKey,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::None => "none",
            AuthKind::Token => "token",
            AuthKind::ApiKey => "apiKey",
        }
    }
}

impl Credential {
    pub fn kind(&self) -> AuthKind {
        match self {
            Credential::None => AuthKind::None,
            Credential::Token(_) => AuthKind::Token,
            Credential::ApiKey(_) => AuthKind::ApiKey,
        }
    }

    pub fn secret(&self) -> Option<&Secret> {
        match self {
            Credential::None => None,
            Credential::Token(secret) | Credential::ApiKey(secret) => Some(secret),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let secret = Secret::new("hunter2-canary");
        assert_eq!(format!("{secret:?}"), "[REDACTED]");
        assert_eq!(format!("{secret}"), "[REDACTED]");
        assert_eq!(secret.expose(), "hunter2-canary");
    }

    #[test]
    fn credential_debug_pins_the_exact_output() {
        let token = Credential::Token(Secret::new("tok-canary"));
        let key = Credential::ApiKey(Secret::new("key-canary"));
        assert_eq!(format!("{token:?}"), "Token([REDACTED])");
        assert_eq!(format!("{key:?}"), "ApiKey([REDACTED])");
        assert_eq!(format!("{:?}", Credential::None), "None");
        assert_eq!(token.kind().as_str(), "token");
        assert_eq!(key.kind().as_str(), "apiKey");
    }
}
