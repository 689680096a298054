//! Getting a document samod wrongly holds "unavailable" into the store.
//!
//! When a peer offers a document this device has never held and the connection drops
//! before it arrives, samod keeps the document's actor in its "unavailable" state and
//! does not look at storage again in this session: a later create (the genesis written
//! to disk) still finds nothing, and the clerk's registration fails. A peer offering the
//! document wakes that actor. So the store offers it to itself: a throwaway in-memory
//! repo of this device (the county server's shards link to the store the same way)
//! holding just the genesis, linked for the moment it takes.

use std::sync::Arc;
use std::time::Duration;

use samod::transport::channel::ChannelDialer;
use samod::{BackoffConfig, DocHandle, DocumentId};

use super::Store;
use crate::docs::{DocName, genesis_entry};
use crate::error::StoreError;

/// How long the store waits for the offered genesis to land.
const RESCUE_WAIT: Duration = Duration::from_secs(5);

impl Store {
    pub(super) fn offer_genesis_to_self(
        &self,
        name: &DocName,
        id: DocumentId,
    ) -> Result<Option<DocHandle>, StoreError> {
        let (key, genesis) = genesis_entry(name, &self.identity.county)?;
        let url = format!("memory://rescue/{id}")
            .parse()
            .map_err(|_| StoreError::Stopped)?;
        let acceptor = self.repo.make_acceptor(url)?;
        let peer_id = self.repo.peer_id();
        self.rt().block_on(async move {
            let storage = samod::storage::InMemoryStorage::new();
            samod::storage::Storage::put(&storage, key, genesis).await;
            let helper = samod::Repo::build_tokio()
                .with_storage(storage)
                .with_peer_id(peer_id)
                .load()
                .await;
            // Open it there, so the link offers it.
            let _held = helper.find(id.clone()).await?;
            let dialer = helper.dial(
                BackoffConfig {
                    initial_delay: crate::FIRST_DIAL_RETRY,
                    max_delay: Duration::from_millis(200),
                    max_retries: Some(5),
                },
                Arc::new(ChannelDialer::new(acceptor)),
            )?;
            let deadline = tokio::time::Instant::now() + RESCUE_WAIT;
            let mut found = None;
            while tokio::time::Instant::now() < deadline {
                if let Some(handle) = self.repo.find(id.clone()).await? {
                    found = Some(handle);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            dialer.close();
            helper.stop().await;
            Ok(found)
        })
    }
}
