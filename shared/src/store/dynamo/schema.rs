//! Creating the tables, for the local stack and the tests (production tables
//! come from `template.yaml`, which a test keeps in step with this): the main
//! table, and the table of console sessions beside it.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, SseSpecification, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};

use crate::store::StoreError;
use crate::store::keys::{EXPIRES_AT, GSI2, GSI2_PK, GSI2_SK, PK, SK};

/// The sessions table of a main table, unless told otherwise.
pub fn session_table_name(table: &str) -> String {
    format!("{table}-sessions")
}

fn attr(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().map_err(err)
}

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().map_err(err)
}

/// Creates the table with its indexes, stream and TTL, and its sessions
/// table ([`session_table_name`]), unless they exist.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    create_main_table(client, table).await?;
    create_session_table(client, &session_table_name(table)).await
}

/// Creates the table of console sessions unless it exists: a partition key
/// only, encrypted with the AWS managed key, TTL, and no stream.
pub async fn create_session_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let created = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(PK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .sse_specification(SseSpecification::builder().enabled(true).build())
        .send()
        .await;
    finish(client, table, created).await
}

async fn create_main_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let index = |name: &str, pk: &str, sk: &str| {
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key(pk, KeyType::Hash)?)
            .key_schema(key(sk, KeyType::Range)?)
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .map_err(err)
    };
    let created = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(PK)?)
        .attribute_definitions(attr(SK)?)
        .attribute_definitions(attr(GSI2_PK)?)
        .attribute_definitions(attr(GSI2_SK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?)
        .global_secondary_indexes(index(GSI2, GSI2_PK, GSI2_SK)?)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .map_err(err)?,
        )
        .send()
        .await;
    finish(client, table, created).await
}

/// Enables TTL on a table just created; nothing if it existed.
async fn finish<T, E: ProvideErrorMetadata>(
    client: &Client,
    table: &str,
    created: Result<T, E>,
) -> Result<(), StoreError> {
    match created {
        Ok(_) => {}
        Err(e) if e.code() == Some("ResourceInUseException") => return Ok(()),
        Err(e) => return Err(StoreError::Dynamo(format!("create table {table}: {}", e.message().unwrap_or("failed")))),
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder().enabled(true).attribute_name(EXPIRES_AT).build().map_err(err)?,
        )
        .send()
        .await
        .map_err(|e| StoreError::Dynamo(format!("enable TTL: {}", e.message().unwrap_or("failed"))))?;
    Ok(())
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Dynamo(e.to_string())
}
