//! The lookup API: wiring only. Configuration and AWS clients are built once
//! per container and lent to every invocation.

use lambda_http::{Error, service_fn};
use lookup::{Config, handle};
use whosent::config::Env;
use whosent::lookup::Lookup;
use whosent::secrets::SecretsManager;
use whosent::store::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env(&Env::process())?;
    let aws = whosent::tls::aws_config().await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), config.table);
    let secrets = SecretsManager::new(aws_sdk_secretsmanager::Client::new(&aws));
    let lookup = Lookup::new(store, secrets, config.lookup);
    lambda_http::run(service_fn(|request| handle(&lookup, request))).await
}
