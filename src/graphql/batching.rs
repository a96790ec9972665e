//! When a request's batch loads run. async-graphql's `DataLoader` hands each batch to a
//! spawner after a delay (1 ms by default): a level of a query whose resolution takes longer
//! than the delay (a large page, a busy machine) is split into several batches, so the
//! statements per request grow with load (the test below shows it). Here the spawner queues the
//! loads into the request's own task, and they run only once the request can make no more
//! progress without them: by then every key of the level has joined its batch.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::Stream;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::task::AtomicWaker;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// A batch load waiting to run.
type Load = BoxFuture<'static, ()>;

/// Where a request's `DataLoader`s send their loads (their spawner).
#[derive(Clone)]
pub struct LoadSpawner(UnboundedSender<Load>);

impl LoadSpawner {
    /// Queues `load` to run beside the request.
    pub fn spawn(&self, load: Load) {
        // The queue lives as long as the request; a closed one means the request is over.
        let _ = self.0.send(load);
    }
}

/// The loads of one request, run beside it by [`LoadQueue::run_beside`].
pub struct LoadQueue(UnboundedReceiver<Load>);

/// A spawner for one request's loaders and the queue it fills.
pub fn load_queue() -> (LoadSpawner, LoadQueue) {
    let (sender, receiver) = unbounded_channel();
    (LoadSpawner(sender), LoadQueue(receiver))
}

impl LoadQueue {
    /// Runs `request` with this queue's loads beside it, in the same task.
    pub async fn run_beside<T>(self, request: impl Future<Output = T>) -> T {
        let request = std::pin::pin!(request);
        let mut beside = Beside::new(self, request);
        std::future::poll_fn(|cx| beside.poll_with(cx, |request, cx| request.as_mut().poll(cx)))
            .await
    }

    /// Runs `stream` (a subscription) with this queue's loads beside it: each item is
    /// resolved like a request of its own.
    pub fn run_beside_stream<S: Stream + Send + 'static>(
        self,
        stream: S,
    ) -> impl Stream<Item = S::Item> + Send + 'static
    where
        S::Item: Send,
    {
        let mut beside = Beside::new(self, Box::pin(stream));
        futures_util::stream::poll_fn(move |cx| {
            beside.poll_with(cx, |stream, cx| stream.as_mut().poll_next(cx))
        })
    }

    async fn drive(mut self) {
        let mut running = FuturesUnordered::new();
        loop {
            tokio::select! {
                biased;
                load = self.0.recv() => match load {
                    Some(load) => running.push(load),
                    None => break,
                },
                Some(()) = running.next(), if !running.is_empty() => {}
            }
        }
        while running.next().await.is_some() {}
    }
}

/// A request (or a subscription's stream) and its loads, polled so that loads start only
/// when the request is stuck.
struct Beside<R> {
    request: R,
    loads: BoxFuture<'static, ()>,
    progress: Arc<Progress>,
    /// One waker for every poll of the request, so the futures inside it see the same waker
    /// each time and need not replace the one they keep.
    waker: Waker,
}

impl<R> Beside<R> {
    fn new(queue: LoadQueue, request: R) -> Self {
        let progress = Arc::new(Progress {
            woken: AtomicBool::new(false),
            task: AtomicWaker::new(),
        });
        Self {
            request,
            loads: Box::pin(queue.drive()),
            waker: Waker::from(progress.clone()),
            progress,
        }
    }

    fn poll_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut R, &mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        self.progress.task.register(cx.waker());
        self.progress.woken.store(false, Ordering::Release);
        let waker = self.waker.clone();
        if let Poll::Ready(output) = poll(&mut self.request, &mut Context::from_waker(&waker)) {
            return Poll::Ready(output);
        }
        if self.progress.woken.load(Ordering::Acquire) {
            // The request yielded while it still had work: let it finish the step first. The
            // waker already rescheduled the task.
            return Poll::Pending;
        }
        // The loads end only when the loaders are dropped, which the request does last.
        let _ = self.loads.as_mut().poll(cx);
        Poll::Pending
    }
}

/// Notes whether the request woke its own task while it was being polled.
struct Progress {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl Wake for Progress {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Duration;

    use async_graphql::dataloader::{DataLoader, Loader};

    use super::*;

    /// Records the size of every batch it is asked for.
    #[derive(Clone, Default)]
    struct Batches(Arc<Mutex<Vec<usize>>>);

    impl Loader<u32> for Batches {
        type Value = u32;
        type Error = ();

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, ()> {
            self.0.lock().unwrap().push(keys.len());
            Ok(keys.iter().map(|key| (*key, key * 2)).collect())
        }
    }

    /// One level of a query: `keys` resolvers that each work for a while before asking for
    /// their row, as a large page on a busy machine does.
    async fn slow_level(loader: &DataLoader<Batches>, keys: u32) -> Vec<u32> {
        let resolvers = (0..keys).map(|key| async move {
            std::thread::sleep(Duration::from_micros(300));
            loader.load_one(key).await.unwrap().unwrap()
        });
        futures_util::future::join_all(resolvers).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_delayed_spawner_splits_a_slow_level_into_several_batches() {
        let batches = Batches::default();
        let loader = DataLoader::new(batches.clone(), tokio::spawn);
        let values = slow_level(&loader, 20).await;
        assert_eq!(values, (0..20).map(|key| key * 2).collect::<Vec<_>>());
        assert!(batches.0.lock().unwrap().len() > 1, "{:?}", batches.0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_queue_answers_a_slow_level_with_one_batch() {
        let batches = Batches::default();
        let (spawner, queue) = load_queue();
        let loader =
            DataLoader::new(batches.clone(), move |load| spawner.spawn(load)).delay(Duration::ZERO);
        let values = queue.run_beside(slow_level(&loader, 20)).await;
        assert_eq!(values, (0..20).map(|key| key * 2).collect::<Vec<_>>());
        assert_eq!(*batches.0.lock().unwrap(), [20]);
    }

    #[tokio::test]
    async fn levels_that_depend_on_each_other_are_one_batch_each() {
        let batches = Batches::default();
        let (spawner, queue) = load_queue();
        let loader =
            DataLoader::new(batches.clone(), move |load| spawner.spawn(load)).delay(Duration::ZERO);
        let nested = queue
            .run_beside(async {
                let first = slow_level(&loader, 3).await;
                let second = futures_util::future::join_all(
                    first.iter().map(|value| loader.load_one(value + 100)),
                )
                .await;
                second
                    .into_iter()
                    .map(|value| value.unwrap().unwrap())
                    .collect::<Vec<_>>()
            })
            .await;
        assert_eq!(nested, [200, 204, 208]);
        assert_eq!(*batches.0.lock().unwrap(), [3, 3]);
    }
}
