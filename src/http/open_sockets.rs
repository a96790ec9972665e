//! How many websockets each person and each client address holds open, so that one of them
//! cannot take every connection the server has.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

/// Who holds a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holder {
    Person(Uuid),
    Address(IpAddr),
}

/// The open sockets, counted by holder.
#[derive(Debug, Default)]
pub struct OpenSockets {
    counts: Mutex<HashMap<Holder, usize>>,
}

/// One socket counted for its holder until it is dropped.
#[derive(Debug)]
pub struct Held {
    sockets: Arc<OpenSockets>,
    holder: Holder,
}

impl OpenSockets {
    /// Counts one more socket for `holder`, unless it already holds `most`.
    pub fn hold(self: &Arc<Self>, holder: Holder, most: usize) -> Option<Held> {
        let mut counts = self.lock();
        let count = counts.entry(holder).or_default();
        if *count >= most {
            return None;
        }
        *count += 1;
        Some(Held {
            sockets: self.clone(),
            holder,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Holder, usize>> {
        self.counts
            .lock()
            .expect("the socket counts' lock is never poisoned")
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut counts = self.sockets.lock();
        if let Some(count) = counts.get_mut(&self.holder) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.holder);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_holds_at_most_its_limit_until_one_is_dropped() {
        let sockets = Arc::new(OpenSockets::default());
        let (person, other) = (
            Holder::Person(Uuid::now_v7()),
            Holder::Person(Uuid::now_v7()),
        );
        let first = sockets.hold(person, 2).expect("the first");
        let _second = sockets.hold(person, 2).expect("the second");
        assert!(sockets.hold(person, 2).is_none(), "a third is refused");
        assert!(sockets.hold(other, 2).is_some(), "someone else is not");
        drop(first);
        assert!(sockets.hold(person, 2).is_some(), "a place is free again");
    }
}
