//! Reading a table's stream with the DynamoDB Streams API, shard by shard,
//! as Lambda's pollers do: every shard of the stream (a parent before its
//! children), new shards as they appear, `NextShardIterator` to the end of a
//! closed shard.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_dynamodbstreams::error::ProvideErrorMetadata;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use tokio::task::JoinHandle;

use crate::invoke::Invoker;
use crate::mapping::{Batcher, DeadLetters, Mapping};
use crate::record::StreamRecord;

/// Why the stream could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("table {0} does not exist (yet)")]
    NoTable(String),
    #[error("table {0} has no stream")]
    NoStream(String),
    #[error("the shard iterator expired")]
    ExpiredIterator,
    #[error("{0}")]
    Api(String),
}

fn api<E: ProvideErrorMetadata + std::error::Error>(what: &str, e: E) -> SourceError {
    if e.code() == Some("ExpiredIteratorException") {
        return SourceError::ExpiredIterator;
    }
    SourceError::Api(format!(
        "{what}: {}",
        e.message().or(e.code()).map(str::to_owned).unwrap_or_else(|| e.to_string())
    ))
}

/// Where a mapping starts reading the shards open at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartingPosition {
    /// Only records written from now on.
    Latest,
    /// Every record the stream still holds.
    TrimHorizon,
}

/// Where to start reading one shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    Latest,
    TrimHorizon,
    After(String),
}

/// A shard of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    pub id: String,
    pub parent: Option<String>,
    /// A closed shard has an ending sequence number and gets no new records.
    pub closed: bool,
}

/// The DynamoDB and DynamoDB Streams clients on one configuration.
#[derive(Clone, Debug)]
pub struct StreamSource {
    dynamo: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    region: String,
}

impl StreamSource {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            dynamo: aws_sdk_dynamodb::Client::new(config),
            streams: aws_sdk_dynamodbstreams::Client::new(config),
            region: config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_owned()),
        }
    }

    /// The ARN of the table's latest stream.
    pub async fn stream_arn(&self, table: &str) -> Result<String, SourceError> {
        let described = self.dynamo.describe_table().table_name(table).send().await.map_err(|e| {
            if e.code() == Some("ResourceNotFoundException") {
                SourceError::NoTable(table.to_owned())
            } else {
                api("describe table", e)
            }
        })?;
        described.table.and_then(|t| t.latest_stream_arn).ok_or_else(|| SourceError::NoStream(table.to_owned()))
    }

    /// Every shard of the stream, following `LastEvaluatedShardId`.
    pub async fn shards(&self, stream_arn: &str) -> Result<Vec<Shard>, SourceError> {
        let mut shards = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .streams
                .describe_stream()
                .stream_arn(stream_arn)
                .set_exclusive_start_shard_id(start)
                .send()
                .await
                .map_err(|e| api("describe stream", e))?;
            let Some(description) = out.stream_description else { return Ok(shards) };
            for shard in description.shards.unwrap_or_default() {
                let closed = shard.sequence_number_range().and_then(|r| r.ending_sequence_number()).is_some();
                shards.push(Shard {
                    id: shard.shard_id.unwrap_or_default(),
                    parent: shard.parent_shard_id.filter(|p| !p.is_empty()),
                    closed,
                });
            }
            start = description.last_evaluated_shard_id;
            if start.is_none() {
                return Ok(shards);
            }
        }
    }

    pub async fn iterator(
        &self,
        stream_arn: &str,
        shard_id: &str,
        position: &Position,
    ) -> Result<Option<String>, SourceError> {
        let request = self.streams.get_shard_iterator().stream_arn(stream_arn).shard_id(shard_id);
        let request = match position {
            Position::Latest => request.shard_iterator_type(ShardIteratorType::Latest),
            Position::TrimHorizon => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
            Position::After(sequence) => {
                request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence)
            }
        };
        let out = request.send().await.map_err(|e| api("get shard iterator", e))?;
        Ok(out.shard_iterator)
    }

    /// One `GetRecords`: the records and the next iterator (none at the end of a closed shard).
    pub async fn read(
        &self,
        stream_arn: &str,
        iterator: &str,
    ) -> Result<(Vec<StreamRecord>, Option<String>), SourceError> {
        let out =
            self.streams.get_records().shard_iterator(iterator).send().await.map_err(|e| api("get records", e))?;
        let records = out.records().iter().map(|r| StreamRecord::from_sdk(r, stream_arn, &self.region)).collect();
        Ok((records, out.next_shard_iterator))
    }

    /// Every record the table's stream holds, shard after shard, parents
    /// first. An open shard is read up to its latest record.
    pub async fn read_all(&self, table: &str) -> Result<Vec<StreamRecord>, SourceError> {
        let arn = self.stream_arn(table).await?;
        let mut out = Vec::new();
        for shard in lineage_order(self.shards(&arn).await?) {
            let mut next = self.iterator(&arn, &shard.id, &Position::TrimHorizon).await?;
            while let Some(iterator) = next {
                let (records, following) = self.read(&arn, &iterator).await?;
                if records.is_empty() && !shard.closed {
                    break;
                }
                out.extend(records);
                next = following;
            }
        }
        Ok(out)
    }
}

/// Shards with each parent before its children.
pub fn lineage_order(shards: Vec<Shard>) -> Vec<Shard> {
    let ids: HashSet<String> = shards.iter().map(|s| s.id.clone()).collect();
    let mut placed: HashSet<String> = HashSet::new();
    let mut left = shards;
    let mut out = Vec::new();
    while !left.is_empty() {
        let (ready, rest): (Vec<_>, Vec<_>) = left.into_iter().partition(|s| match &s.parent {
            Some(parent) => placed.contains(parent) || !ids.contains(parent),
            None => true,
        });
        if ready.is_empty() {
            // A cycle cannot happen; take the rest as they come.
            out.extend(rest);
            break;
        }
        placed.extend(ready.iter().map(|s| s.id.clone()));
        out.extend(ready);
        left = rest;
    }
    out
}

/// How the pollers of a mapping pace themselves.
#[derive(Debug, Clone)]
pub struct PollConfig {
    /// The wait after a `GetRecords` that returned nothing (Lambda polls 4 times a second).
    pub poll_interval: Duration,
    /// How often the stream is described for new shards.
    pub discover_interval: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        Self { poll_interval: Duration::from_millis(250), discover_interval: Duration::from_secs(5) }
    }
}

/// The shards a mapping reads: started, and finished (read to the end and delivered).
#[derive(Default)]
struct ShardBook {
    started: HashSet<String>,
    finished: HashSet<String>,
}

/// The lane of a partition key among `lanes`.
pub fn lane_of(partition_key: &str, lanes: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    partition_key.hash(&mut hasher);
    (hasher.finish() % lanes.max(1) as u64) as usize
}

/// Mappings reading a stream. Each record read is offered to every mapping:
/// one read serves them all (on AWS each mapping polls on its own; what
/// each receives, and when, is the same).
pub struct Runner<I, D> {
    pub source: StreamSource,
    pub mappings: Vec<Arc<Mapping<I, D>>>,
    pub stream_arn: String,
    pub poll: PollConfig,
    book: Mutex<ShardBook>,
}

impl<I: Invoker + 'static, D: DeadLetters + 'static> Runner<I, D> {
    pub fn new(source: StreamSource, mapping: Arc<Mapping<I, D>>, stream_arn: String, poll: PollConfig) -> Arc<Self> {
        Self::for_all(source, vec![mapping], stream_arn, poll)
    }

    /// One reader of the stream for several mappings.
    pub fn for_all(
        source: StreamSource,
        mappings: Vec<Arc<Mapping<I, D>>>,
        stream_arn: String,
        poll: PollConfig,
    ) -> Arc<Self> {
        Arc::new(Self { source, mappings, stream_arn, poll, book: Mutex::default() })
    }

    /// The mappings' names, for log lines.
    fn name(&self) -> String {
        self.mappings.iter().map(|m| m.config.name.as_str()).collect::<Vec<_>>().join("+")
    }

    fn book(&self) -> std::sync::MutexGuard<'_, ShardBook> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes an iterator on every shard open now (at `position`), then reads
    /// in the background; returns once those iterators are held, so that
    /// `Latest` means "from the return of this call".
    pub async fn start(self: &Arc<Self>, position: StartingPosition) -> Result<JoinHandle<()>, SourceError> {
        let shards = lineage_order(self.source.shards(&self.stream_arn).await?);
        let mut first = HashMap::new();
        for shard in &shards {
            match position {
                // A closed shard gets nothing new: with LATEST there is nothing to read.
                StartingPosition::Latest if shard.closed => {
                    let mut book = self.book();
                    book.started.insert(shard.id.clone());
                    book.finished.insert(shard.id.clone());
                }
                StartingPosition::Latest => {
                    let iterator = self.source.iterator(&self.stream_arn, &shard.id, &Position::Latest).await?;
                    first.insert(shard.id.clone(), (Position::Latest, iterator));
                }
                StartingPosition::TrimHorizon => {}
            }
        }
        let runner = self.clone();
        Ok(tokio::spawn(async move { runner.supervise(shards, first).await }))
    }

    /// Starts a poller on each shard whose parent is done, and looks for new shards.
    async fn supervise(
        self: Arc<Self>,
        mut shards: Vec<Shard>,
        mut first: HashMap<String, (Position, Option<String>)>,
    ) {
        loop {
            let ids: HashSet<String> = shards.iter().map(|s| s.id.clone()).collect();
            for shard in &shards {
                let ready = {
                    let book = self.book();
                    !book.started.contains(&shard.id)
                        && shard.parent.as_ref().is_none_or(|p| book.finished.contains(p) || !ids.contains(p))
                };
                if !ready {
                    continue;
                }
                self.book().started.insert(shard.id.clone());
                let (position, iterator) = first.remove(&shard.id).unwrap_or((Position::TrimHorizon, None));
                let runner = self.clone();
                let id = shard.id.clone();
                tokio::spawn(async move { runner.poll_shard(id, position, iterator).await });
            }
            tokio::time::sleep(self.poll.discover_interval).await;
            match self.source.shards(&self.stream_arn).await {
                Ok(found) => shards = lineage_order(found),
                Err(e) => eprintln!("event-source: {}: cannot describe the stream: {e}", self.name()),
            }
        }
    }

    async fn poll_shard(self: Arc<Self>, shard_id: String, start: Position, iterator: Option<String>) {
        let name = self.name();
        // For each mapping, one lane per ParallelizationFactor: each batches
        // and delivers on its own, in order; a partition key always goes to
        // the same lane.
        let lanes: Vec<Vec<(tokio::sync::mpsc::UnboundedSender<StreamRecord>, JoinHandle<()>)>> = self
            .mappings
            .iter()
            .map(|mapping| {
                (0..mapping.config.parallelization.max(1))
                    .map(|_| {
                        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                        (tx, tokio::spawn(Arc::clone(&self).lane(Arc::clone(mapping), shard_id.clone(), rx)))
                    })
                    .collect()
            })
            .collect();
        let mut last_sequence: Option<String> = None;
        let mut iterator = match iterator {
            Some(iterator) => Some(iterator),
            None => self.fresh_iterator(&shard_id, &start, None).await,
        };
        let mut ended = iterator.is_none();
        while !ended {
            let mut got = false;
            if let Some(current) = iterator.take() {
                match self.source.read(&self.stream_arn, &current).await {
                    Ok((records, next)) => {
                        got = !records.is_empty();
                        for record in records {
                            last_sequence = Some(record.sequence_number.clone());
                            for (mapping, lanes) in self.mappings.iter().zip(&lanes) {
                                if mapping.accepts(&record) {
                                    let lane = lane_of(record.partition_key(), lanes.len());
                                    // A lane only stops once its sender is dropped, below.
                                    let _ = lanes[lane].0.send(record.clone());
                                }
                            }
                        }
                        ended = next.is_none();
                        iterator = next;
                    }
                    Err(SourceError::ExpiredIterator) => {
                        iterator = self.fresh_iterator(&shard_id, &start, last_sequence.as_deref()).await;
                    }
                    Err(e) => {
                        eprintln!("event-source: {name} shard={shard_id}: {e}; trying again");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        iterator = Some(current);
                    }
                }
            }
            if !got && !ended {
                tokio::time::sleep(self.poll.poll_interval.max(Duration::from_millis(10))).await;
            }
        }
        // The shard ended: every lane delivers what it holds, then stops.
        for (sender, lane) in lanes.into_iter().flatten() {
            drop(sender);
            let _ = lane.await;
        }
        self.book().finished.insert(shard_id.clone());
        eprintln!("event-source: {name} shard={shard_id} read to its end");
    }

    /// One lane of a shard: batches its records (size, window) and delivers
    /// each batch before the next, as Lambda does within a lane.
    async fn lane(
        self: Arc<Self>,
        mapping: Arc<Mapping<I, D>>,
        shard_id: String,
        mut records: tokio::sync::mpsc::UnboundedReceiver<StreamRecord>,
    ) {
        let mut batcher = Batcher::new(mapping.config.batch_size, mapping.config.window);
        let mut closed = false;
        loop {
            while let Some(batch) = batcher.take(Instant::now(), closed) {
                mapping.deliver(&shard_id, batch).await;
            }
            if closed && batcher.is_empty() {
                return;
            }
            let wait = batcher.due_in(Instant::now()).unwrap_or(Duration::from_secs(3600));
            tokio::select! {
                record = records.recv() => match record {
                    Some(record) => {
                        // With every record already read, as a poll returns them
                        // all: what came in during the last delivery is one batch.
                        let now = Instant::now();
                        batcher.push(record, now);
                        loop {
                            match records.try_recv() {
                                Ok(more) => batcher.push(more, now),
                                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break,
                                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => {
                                    closed = true;
                                    break;
                                }
                            }
                        }
                    }
                    None => closed = true,
                },
                _ = tokio::time::sleep(wait.max(Duration::from_millis(1))) => {}
            }
        }
    }

    /// An iterator after the last record read, else at the start position;
    /// retried until the stream answers.
    async fn fresh_iterator(&self, shard_id: &str, start: &Position, after: Option<&str>) -> Option<String> {
        let position = after.map_or_else(|| start.clone(), |s| Position::After(s.to_owned()));
        loop {
            match self.source.iterator(&self.stream_arn, shard_id, &position).await {
                Ok(iterator) => return iterator,
                Err(e) => {
                    eprintln!("event-source: {} shard={shard_id}: no iterator: {e}; trying again", self.name());
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
