//! Running work on several threads (controls, stream batches, facts
//! shards): `f(0..n)` on up to `jobs`
//! workers, results in index order whatever the scheduling; how many
//! threads a run gets (`--jobs`, else one per core for large facts).

use super::Options;

/// Below this many facts nodes, starting threads costs more than it saves.
const PARALLEL_FROM_NODES: usize = 200_000;

/// The stack each worker thread starts with: address space, not memory,
/// until used. Larger than `machine::FRAME_STACK`, so that a function call
/// on a worker finds the room it needs where it is: with the default 2 MiB
/// every call took a fresh stack segment (an `mmap` and a `munmap`), and
/// `--jobs 2` ran four times slower than `--jobs 1` on a policy of `fn`s.
const WORKER_STACK: usize = 64 << 20;

/// `f(0..n)` on up to `jobs` threads, each taking the next index as it goes;
/// results come back in index order, so output never depends on scheduling.
/// Threads the system refuses (a thread or memory limit below `--jobs`)
/// are done without: the work goes to those that started, or to this one.
pub(crate) fn in_parallel<T: Send>(n: usize, jobs: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    if jobs <= 1 || n <= 1 {
        return (0..n).map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                return mine;
            }
            mine.push((i, f(i)));
        }
    };
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(n))
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(scope, work)
            })
            .collect();
        // A worker that could not be started leaves its share to the others
        // (or to this thread, when none started).
        let mut done: Vec<(usize, T)> = Vec::new();
        let mut started = 0;
        for w in workers.into_iter().flatten() {
            started += 1;
            done.extend(
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        if started == 0 {
            done.extend(work());
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// Threads for the controls: `--jobs`, else one per core once the facts
/// are large enough to pay for them.
pub(super) fn jobs(options: &Options, fact_nodes: usize) -> usize {
    match options.jobs {
        Some(n) => n.max(1),
        None if fact_nodes >= PARALLEL_FROM_NODES => {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
        None => 1,
    }
}
