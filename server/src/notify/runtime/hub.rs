//! Live push to this instance's connected staff clients. Every instance hears every new inbox
//! row (through the Redis feed stream, or directly in embedded mode) and forwards it to its own
//! SSE connections; a missed push is recovered from the inbox with `Last-Event-ID`. On shutdown
//! the hub closes, and every open stream ends at once, telling its client to reconnect.

use tokio::sync::broadcast;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedItem {
    pub staff_id: Uuid,
    pub inbox_id: Uuid,
}

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<FeedItem>,
    closing: CancellationToken,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Hub {
        let (tx, _) = broadcast::channel(1024);
        Hub {
            tx,
            closing: CancellationToken::new(),
        }
    }

    /// Ends every live stream of this instance (it is shutting down).
    pub fn close(&self) {
        self.closing.cancel();
    }

    pub fn is_closed(&self) -> bool {
        self.closing.is_cancelled()
    }

    /// Resolves once the hub is closed.
    pub fn closed(&self) -> WaitForCancellationFuture<'_> {
        self.closing.cancelled()
    }

    pub fn send(&self, item: FeedItem) {
        // No receivers is normal: nobody is connected.
        let _ = self.tx.send(item);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<FeedItem> {
        self.tx.subscribe()
    }
}
