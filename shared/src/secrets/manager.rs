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

    /// Creates the secret, or gives it a new version with this value
    /// (operators' tools; the functions only read). Answers the version id.
    pub async fn put(&self, name: &str, value: &Secret<String>) -> Result<Option<String>, SecretsError> {
        let created = self.client.create_secret().name(name).secret_string(value.expose()).send().await;
        match created {
            Ok(out) => return Ok(out.version_id),
            Err(err) if err.code() == Some("ResourceExistsException") => {}
            Err(err) => return Err(service(err)),
        }
        let out = self
            .client
            .put_secret_value()
            .secret_id(name)
            .secret_string(value.expose())
            .send()
            .await
            .map_err(service)?;
        Ok(out.version_id)
    }
}

fn service(err: impl ProvideErrorMetadata) -> SecretsError {
    SecretsError::Service(format!("{}: {}", err.code().unwrap_or("error"), err.message().unwrap_or("no message")))
}

impl SecretSource for SecretsManager {
    async fn secret(&self, name: &str) -> Result<Option<SecretValue>, SecretsError> {
        match self.client.get_secret_value().secret_id(name).send().await {
            Ok(out) => {
                Ok(out.secret_string.map(|string| SecretValue { string: Secret::new(string), version: out.version_id }))
            }
            Err(err) if err.code() == Some("ResourceNotFoundException") => Ok(None),
            Err(err) => Err(service(err)),
        }
    }
}
