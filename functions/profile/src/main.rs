//! The profile function: wiring only. Configuration, AWS clients and the
//! console client are built once per container and lent to every invocation.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use profile::{Config, Deps, handle};
use whosent::config::Env;
use whosent::console::HttpConsole;
use whosent::secrets::SecretsManager;
use whosent::store::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env(&Env::process())?;
    let aws = whosent::tls::aws_config().await;
    let deps = Deps {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table)
            .with_session_table(&config.session_table),
        secrets: SecretsManager::new(aws_sdk_secretsmanager::Client::new(&aws)),
        console: HttpConsole::new(&config.console)?,
        config,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| handle(&deps, event))).await
}
