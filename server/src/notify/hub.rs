//! Live push to this instance's connected staff clients. Every instance hears every new inbox
//! row (through the Redis feed stream, or directly in embedded mode) and forwards it to its own
//! SSE connections; a missed push is recovered from the inbox with `Last-Event-ID`.

use tokio::sync::broadcast;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedItem {
    pub staff_id: Uuid,
    pub inbox_id: Uuid,
}

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<FeedItem>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Hub {
        let (tx, _) = broadcast::channel(1024);
        Hub { tx }
    }

    pub fn send(&self, item: FeedItem) {
        // No receivers is normal: nobody is connected.
        let _ = self.tx.send(item);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<FeedItem> {
        self.tx.subscribe()
    }
}
