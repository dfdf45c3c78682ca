//! How notification messages travel: a Redis Stream read by one consumer group per channel
//! (several instances share the work), or — without `REDIS_URL` — in-process channels. Either
//! way a message only names an outbox event or a delivery; the database holds the rest.

use std::{collections::HashMap, sync::Arc};

use redis::{AsyncCommands, streams::StreamMaxlen};
use tokio::sync::{Mutex, mpsc};
use uuid::Uuid;

use crate::{
    kv::Redis,
    notify::store::{STAFF, WECHAT},
};

pub const CHANNELS: [&str; 2] = [WECHAT, STAFF];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// Every due delivery of this outbox event on the reader's channel.
    Outbox(Uuid),
    /// One delivery (re-published by the reconciler or an admin).
    Delivery(Uuid),
}

impl Message {
    pub fn fields(&self) -> [(&'static str, String); 1] {
        match self {
            Message::Outbox(id) => [("o", id.to_string())],
            Message::Delivery(id) => [("d", id.to_string())],
        }
    }

    pub fn from_entry(map: &HashMap<String, redis::Value>) -> Option<Message> {
        let text = |k: &str| match map.get(k) {
            Some(redis::Value::BulkString(b)) => String::from_utf8(b.clone()).ok(),
            Some(redis::Value::SimpleString(s)) => Some(s.clone()),
            _ => None,
        };
        if let Some(o) = text("o") {
            return Uuid::parse_str(&o).ok().map(Message::Outbox);
        }
        text("d")
            .and_then(|d| Uuid::parse_str(&d).ok())
            .map(Message::Delivery)
    }
}

#[derive(Clone)]
pub struct Streams {
    pub redis: Redis,
    pub events: String,
    pub dead: String,
    pub feed: String,
    pub maxlen: usize,
}

#[derive(Clone)]
pub struct Local {
    senders: Arc<HashMap<&'static str, mpsc::UnboundedSender<Message>>>,
    receivers: Arc<Mutex<HashMap<&'static str, mpsc::UnboundedReceiver<Message>>>>,
}

#[derive(Clone)]
pub enum Transport {
    Redis(Box<Streams>),
    Local(Local),
}

impl Transport {
    pub fn new(redis: Option<Redis>, maxlen: usize) -> Transport {
        match redis {
            Some(redis) => Transport::Redis(Box::new(Streams {
                events: redis.key("notif:events"),
                dead: redis.key("notif:dead"),
                feed: redis.key("notif:feed"),
                redis,
                maxlen,
            })),
            None => {
                let mut senders = HashMap::new();
                let mut receivers = HashMap::new();
                for c in CHANNELS {
                    let (tx, rx) = mpsc::unbounded_channel();
                    senders.insert(c, tx);
                    receivers.insert(c, rx);
                }
                Transport::Local(Local {
                    senders: Arc::new(senders),
                    receivers: Arc::new(Mutex::new(receivers)),
                })
            }
        }
    }

    /// Publishes to every channel's readers.
    pub async fn publish(&self, messages: &[Message]) -> anyhow::Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        match self {
            Transport::Redis(s) => {
                let mut conn = s.redis.conn().await?;
                let mut pipe = redis::pipe();
                for m in messages {
                    pipe.xadd_maxlen(&s.events, StreamMaxlen::Approx(s.maxlen), "*", &m.fields())
                        .ignore();
                }
                let () = pipe.query_async(&mut conn).await?;
                Ok(())
            }
            Transport::Local(l) => {
                for m in messages {
                    for tx in l.senders.values() {
                        let _ = tx.send(*m);
                    }
                }
                Ok(())
            }
        }
    }

    /// The in-process receiver of a channel (embedded mode), taken once by its consumer.
    pub async fn take_local_receiver(
        &self,
        channel: &str,
    ) -> Option<mpsc::UnboundedReceiver<Message>> {
        match self {
            Transport::Local(l) => l.receivers.lock().await.remove(channel),
            Transport::Redis(_) => None,
        }
    }

    /// Puts a message back for a local consumer (after a failed attempt).
    pub fn requeue_local(&self, channel: &str, message: Message) {
        if let Transport::Local(l) = self
            && let Some(tx) = l.senders.get(channel)
        {
            let _ = tx.send(message);
        }
    }

    pub async fn dead_letter(&self, delivery: Uuid, error: &str) {
        if let Transport::Redis(s) = self
            && let Ok(mut conn) = s.redis.conn().await
        {
            let fields = [
                ("d", delivery.to_string()),
                ("error", error.chars().take(200).collect()),
            ];
            let res: Result<Option<String>, _> = conn
                .xadd_maxlen(&s.dead, StreamMaxlen::Approx(10_000), "*", &fields)
                .await;
            if let Err(e) = res {
                tracing::warn!(error = %e, "could not append to the dead-letter stream");
            }
        }
    }
}

/// `XGROUP CREATE … MKSTREAM` from the start of the stream; an existing group is fine.
/// `true` when the group had to be created (a new deployment, or a Redis that lost it).
pub async fn ensure_group(
    conn: &mut redis::aio::ConnectionManager,
    stream: &str,
    group: &str,
) -> redis::RedisResult<bool> {
    let res: redis::RedisResult<()> = conn.xgroup_create_mkstream(stream, group, "0").await;
    match res {
        Ok(()) => Ok(true),
        Err(e) if e.to_string().contains("BUSYGROUP") => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn is_nogroup(e: &redis::RedisError) -> bool {
    e.to_string().contains("NOGROUP")
}

/// The stream was deleted under a blocked read (`UNBLOCKED … no longer exists`), or its group
/// is gone: whatever it held is lost.
pub fn is_stream_lost(e: &redis::RedisError) -> bool {
    let text = e.to_string();
    text.contains("NOGROUP") || text.contains("no longer exists")
}
