//! The Secrets Manager adapter.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;

use super::{Secret, SecretSource, SecretValue, SecretsError};

/// Reads secrets from AWS Secrets Manager (or any endpoint the SDK is pointed at).
#[derive(Clone, Debug)]
pub struct SecretsManager {
    client: Client,
}

impl SecretsManager {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl SecretSource for SecretsManager {
    async fn secret(&self, name: &str) -> Result<Option<SecretValue>, SecretsError> {
        match self.client.get_secret_value().secret_id(name).send().await {
            Ok(out) => {
                Ok(out.secret_string.map(|string| SecretValue { string: Secret::new(string), version: out.version_id }))
            }
            Err(err) if err.code() == Some("ResourceNotFoundException") => Ok(None),
            Err(err) => Err(SecretsError::Service(format!(
                "{}: {}",
                err.code().unwrap_or("error"),
                err.message().unwrap_or("no message")
            ))),
        }
    }
}
