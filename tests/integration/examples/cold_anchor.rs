//! The cold-start anchor: a Lambda function that does nothing but run the
//! runtime loop, built like the real ones. What it takes from exec to its
//! first `/next` is the floor every function pays (see benches/cold_start.rs).

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move { Ok::<_, Error>(event.payload) })).await
}
