//! Admission, order and deadlines, with task jobs that hold their slot
//! and memory until the test lets them go (so nothing depends on timing
//! except the short "has not started" windows).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code

use std::{
    sync::{Arc, Mutex, mpsc},
    thread::JoinHandle,
    time::Duration,
};

use super::*;

const MIB: usize = 1024 * 1024;

fn engine(max_concurrent: usize, memory_budget: usize, wait: Duration) -> Arc<Engine> {
    Arc::new(Engine::new(Limits { max_concurrent, wait, memory_budget }, MIB))
}

/// Names of the jobs that started, in the order they started.
type Log = Arc<Mutex<Vec<&'static str>>>;

/// A task job named `name` declaring `bytes`: logs its start, then holds
/// until its sender is used or dropped.
fn held(name: &'static str, bytes: usize, log: &Log) -> (Job, mpsc::Sender<()>) {
    let (release, wait) = mpsc::channel::<()>();
    let log = Arc::clone(log);
    let job = Job::task(bytes, move || {
        log.lock().unwrap().push(name);
        Ok(wait.recv().is_ok())
    });
    (job, release)
}

/// Runs `job` on its own thread (a blocking caller).
fn caller(engine: &Arc<Engine>, job: Job) -> JoinHandle<Result<Output, Error>> {
    let engine = Arc::clone(engine);
    std::thread::spawn(move || engine.run(job))
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn queued(engine: &Engine) -> usize {
    engine.shared.lock().queue.len()
}

fn started(log: &Log) -> Vec<&'static str> {
    log.lock().unwrap().clone()
}

/// A short window in which a job that could start would have.
fn settle() {
    std::thread::sleep(Duration::from_millis(50));
}

#[test]
fn memory_admits_two_of_three_jobs_within_a_budget_of_two() {
    let engine = engine(3, 2 * MIB, Duration::from_secs(60));
    let log = Log::default();
    let mut releases = Vec::new();
    let mut callers = Vec::new();
    for (name, then) in [("a", (1, 0)), ("b", (2, 0)), ("c", (2, 1))] {
        let (job, release) = held(name, MIB, &log);
        releases.push(release);
        callers.push(caller(&engine, job));
        // Each caller starts or queues before the next is spawned: a, b, c.
        wait_until("the caller starts or queues", || (started(&log).len(), queued(&engine)) == then);
    }
    settle();
    // Three threads free, memory for two: the third waits.
    assert_eq!((engine.in_flight(), engine.in_flight_bytes(), started(&log).len()), (2, 2 * MIB, 2));
    releases.remove(0).send(()).unwrap();
    wait_until("the third starts", || started(&log).len() == 3);
    drop(releases);
    for c in callers {
        assert!(matches!(c.join().unwrap(), Ok(Output::Flag(_))));
    }
    assert_eq!(engine.peak_in_flight(), 2);
    assert_eq!(engine.peak_in_flight_bytes(), 2 * MIB);
    assert!(engine.shared.lock().peak_reserved <= 2 * MIB);
    assert_eq!((engine.in_flight(), engine.in_flight_bytes()), (0, 0));
}

/// A 1 MiB argon2 job, so its worker parks 1 MiB afterwards.
fn argon2_mib() -> Job {
    let input = core::Input {
        algorithm: core::Algorithm::Argon2id,
        version: core::Version::V0x13,
        params: Params::new(1024, 1, 1).unwrap(),
        password: b"password",
        salt: b"somesalt",
        secret: &[],
        ad: &[],
    };
    Job::argon2(&input, 32)
}

#[test]
fn a_task_runs_beside_its_workers_parked_memory_within_the_budget() {
    let engine = engine(2, 2 * MIB, Duration::from_secs(60));
    // Both workers park a 1 MiB core: one is held by a task while the
    // other hashes, then the first (idle last, so chosen next) hashes.
    let log = Log::default();
    let (holder, release) = held("holder", 0, &log);
    let holder = caller(&engine, holder);
    wait_until("the holder runs", || engine.in_flight() == 1);
    assert!(matches!(engine.run(argon2_mib()), Ok(Output::Tag(_))));
    release.send(()).unwrap();
    assert!(holder.join().unwrap().is_ok());
    assert!(matches!(engine.run(argon2_mib()), Ok(Output::Tag(_))));
    assert_eq!(engine.shared.lock().reserved, 2 * MIB, "each worker parks its 1 MiB core");
    // A task (a legacy verify) never touches the core: parked memory must
    // be released before it runs, or more than the budget would be resident.
    let observer = Arc::clone(&engine);
    let task = Job::task(MIB, move || {
        let parked: usize = observer.shared.lock().workers.iter().map(|w| w.core_bytes).sum();
        Ok(parked + MIB <= 2 * MIB)
    });
    assert!(matches!(engine.run(task), Ok(Output::Flag(true))), "resident above the budget inside the task");
    assert!(engine.shared.lock().peak_reserved <= 2 * MIB);
}

#[cfg(feature = "fuzzing")]
#[test]
fn a_job_submitted_while_a_worker_gives_memory_back_keeps_its_reservation() {
    let engine = engine(1, 2 * MIB, Duration::from_secs(60));
    assert!(matches!(engine.run(argon2_mib()), Ok(Output::Tag(_))));
    // While the worker gives its parked 1 MiB back (the audit probe; a
    // release asked by admission takes the same path), a 1 MiB task arrives.
    let observer = Arc::clone(&engine);
    let task = Job::task(MIB, move || Ok(observer.shared.lock().reserved >= MIB));
    let submitted = Arc::new(Mutex::new(None));
    let (hook_engine, hook_submitted) = (Arc::clone(&engine), Arc::clone(&submitted));
    *engine.shared.releasing.lock().unwrap() = Some(Box::new(move || {
        *hook_submitted.lock().unwrap() = Some(caller(&hook_engine, task));
        wait_until("the task is queued or handed over", || {
            let state = hook_engine.shared.lock();
            state.queue.len() == 1 || state.workers[0].mailbox.is_some()
        });
    }));
    assert_eq!(engine.idle_memory_wiped(), Some(MIB));
    let task = submitted.lock().unwrap().take().unwrap();
    // While it ran, its 1 MiB was still counted (not reset to 0 by the release).
    assert!(matches!(task.join().unwrap(), Ok(Output::Flag(true))));
    assert_eq!(engine.shared.lock().reserved, 0);
}

#[test]
fn a_job_waits_for_its_memory_and_nothing_passes_it() {
    let engine = engine(4, 4 * MIB, Duration::from_secs(60));
    let log = Log::default();
    let (small, release_small) = held("small", MIB, &log);
    let small = caller(&engine, small);
    let (half, release_half) = held("half", 2 * MIB, &log);
    let half = caller(&engine, half);
    wait_until("both run", || engine.in_flight() == 2);
    // Half the budget (not above it: the main lane), 1 MiB short.
    let (big, release_big) = held("big", 2 * MIB, &log);
    let big = caller(&engine, big);
    wait_until("the big job queues", || queued(&engine) == 1);
    // Memory for this one is free, but it arrived after the big job.
    let (late, release_late) = held("late", MIB, &log);
    let late = caller(&engine, late);
    wait_until("the late job queues", || queued(&engine) == 2);
    settle();
    assert_eq!(started(&log).len(), 2);
    release_small.send(()).unwrap();
    wait_until("the big job starts", || started(&log).len() == 3);
    settle();
    assert_eq!((started(&log)[2], engine.in_flight_bytes()), ("big", 4 * MIB));
    release_big.send(()).unwrap();
    wait_until("the late job starts", || started(&log).len() == 4);
    drop((release_late, release_half));
    for c in [small, half, big, late] {
        assert!(c.join().unwrap().is_ok());
    }
    assert_eq!(started(&log)[2..], ["big", "late"]);
    assert_eq!(engine.peak_in_flight_bytes(), 4 * MIB);
}

#[test]
fn a_job_over_the_whole_budget_is_refused_at_once() {
    for max in [1, 2] {
        let engine = engine(max, 2 * MIB, Duration::from_secs(60));
        let ran = Arc::new(Mutex::new(false));
        let flag = Arc::clone(&ran);
        let job = Job::task(2 * MIB + 1, move || {
            *flag.lock().unwrap() = true;
            Ok(true)
        });
        assert!(matches!(engine.run(job), Err(Error::OutOfPolicy { param: "m", .. })));
        assert!(!*ran.lock().unwrap());
        assert_eq!(engine.peak_in_flight(), 0);
    }
}

#[test]
fn a_job_not_started_within_the_wait_is_busy_and_never_runs() {
    let engine = engine(1, 64 * MIB, Duration::from_millis(20));
    let log = Log::default();
    let (holder, release) = held("holder", MIB, &log);
    let holder = caller(&engine, holder);
    wait_until("the holder runs", || engine.in_flight() == 1);
    let (late, _keep) = held("late", MIB, &log);
    let asked = Instant::now();
    assert!(matches!(engine.run(late), Err(Error::Busy)));
    assert!(asked.elapsed() >= Duration::from_millis(20));
    // Withdrawn: the queue is empty and the job never runs.
    assert_eq!(queued(&engine), 0);
    release.send(()).unwrap();
    assert!(holder.join().unwrap().is_ok());
    settle();
    assert_eq!(started(&log), ["holder"]);
}

#[cfg(feature = "rustcrypto-argon2")]
#[test]
fn under_rustcrypto_a_job_of_p_lanes_takes_one_thread_slot() {
    // RustCrypto computes the lanes one after another on the worker.
    let engine = engine(2, 64 * MIB, Duration::from_secs(60));
    let log = Log::default();
    let (a, release_a) = held("a", MIB, &log);
    let (b, release_b) = held("b", MIB, &log);
    let a = caller(&engine, a.with_lanes(4));
    let b = caller(&engine, b.with_lanes(4));
    wait_until("both four-lane jobs run", || engine.in_flight() == 2);
    assert_eq!(engine.shared.lock().free_slots, 0);
    drop((release_a, release_b));
    assert!(a.join().unwrap().is_ok() && b.join().unwrap().is_ok());
}

#[cfg(not(feature = "rustcrypto-argon2"))]
#[test]
fn a_job_of_p_lanes_takes_min_p_max_concurrent_thread_slots() {
    let engine = engine(2, 64 * MIB, Duration::from_secs(60));
    let log = Log::default();
    let (one, release_one) = held("one lane", MIB, &log);
    let one = caller(&engine, one);
    wait_until("one lane runs", || engine.in_flight() == 1);
    // Four lanes on a 2-thread engine: 2 slots, so it waits for the second.
    let (four, release_four) = held("four lanes", MIB, &log);
    let four = caller(&engine, four.with_lanes(4));
    wait_until("four lanes queue", || queued(&engine) == 1);
    settle();
    assert_eq!(started(&log), ["one lane"]);
    release_one.send(()).unwrap();
    wait_until("four lanes start", || started(&log).len() == 2);
    // While it runs it holds both slots: a one-lane job waits.
    let (after, release_after) = held("after", MIB, &log);
    let after = caller(&engine, after);
    wait_until("the next job queues", || queued(&engine) == 1);
    settle();
    assert_eq!((engine.in_flight(), engine.shared.lock().free_slots), (1, 0));
    release_four.send(()).unwrap();
    drop(release_after);
    for c in [one, four, after] {
        assert!(c.join().unwrap().is_ok());
    }
    assert_eq!(started(&log), ["one lane", "four lanes", "after"]);
}

#[cfg(feature = "tokio")]
#[tokio::test(flavor = "current_thread")]
async fn sync_and_async_callers_share_one_queue() {
    use std::pin::pin;

    let engine = engine(1, 64 * MIB, Duration::from_secs(60));
    let log = Log::default();
    let (holder, release) = held("holder", MIB, &log);
    let holder = caller(&engine, holder);
    wait_until("the holder runs", || engine.in_flight() == 1);
    let (first, _a) = held("async 1", MIB, &log);
    let mut first = pin!(engine.run_async(first));
    assert!(futures_poll_once(first.as_mut()).await.is_pending());
    let (second, _b) = held("sync", MIB, &log);
    let second = caller(&engine, second);
    wait_until("the sync job queues", || queued(&engine) == 2);
    let (third, _c) = held("async 2", MIB, &log);
    let mut third = pin!(engine.run_async(third));
    assert!(futures_poll_once(third.as_mut()).await.is_pending());
    assert_eq!(queued(&engine), 3);
    drop((release, _a, _b, _c));
    assert!(holder.join().unwrap().is_ok());
    assert!(first.await.is_ok());
    assert!(third.await.is_ok());
    assert!(second.join().unwrap().is_ok());
    assert_eq!(started(&log), ["holder", "async 1", "sync", "async 2"]);
}

#[test]
fn without_workers_callers_run_their_jobs_under_the_same_admission() {
    let engine = Arc::new(Engine::without_workers(
        Limits { max_concurrent: 2, wait: Duration::from_secs(60), memory_budget: MIB },
        MIB,
    ));
    let log = Log::default();
    let (first, release_first) = held("first", MIB, &log);
    let first = caller(&engine, first);
    wait_until("the first runs", || engine.in_flight() == 1);
    // A free thread slot, but no memory: it waits on its own thread.
    let (second, release_second) = held("second", MIB, &log);
    let second = caller(&engine, second);
    wait_until("the second queues", || queued(&engine) == 1);
    settle();
    assert_eq!(started(&log), ["first"]);
    release_first.send(()).unwrap();
    wait_until("the second starts", || started(&log).len() == 2);
    drop(release_second);
    assert!(first.join().unwrap().is_ok() && second.join().unwrap().is_ok());
    assert_eq!((engine.peak_in_flight(), engine.in_flight()), (1, 0));
    // The caller's own thread ran it, and the deadline still applies.
    let here = std::thread::current().id();
    let job = Job::task(0, move || Ok(std::thread::current().id() == here));
    assert!(matches!(engine.run(job), Ok(Output::Flag(true))));
    let quick = Arc::new(Engine::without_workers(
        Limits { max_concurrent: 1, wait: Duration::from_millis(20), memory_budget: MIB },
        MIB,
    ));
    let (holder, release) = held("holder", 0, &log);
    let holder = caller(&quick, holder);
    wait_until("the holder runs", || quick.in_flight() == 1);
    assert!(matches!(quick.run(Job::task(0, || Ok(true))), Err(Error::Busy)));
    assert_eq!(queued(&quick), 0);
    drop(release);
    assert!(holder.join().unwrap().is_ok());
}

#[test]
fn a_panicking_job_is_task_failed_and_the_worker_goes_on() {
    let engine = engine(1, 2 * MIB, Duration::from_secs(60));
    // A main-lane job (half the budget), then a large one.
    for bytes in [MIB, 2 * MIB] {
        let job = Job::task(bytes, || panic!("a bug in a job"));
        assert!(matches!(engine.run(job), Err(Error::TaskFailed)));
        // The slot and the memory came back; the same thread serves the next job.
        assert!(matches!(engine.run(Job::task(bytes, || Ok(true))), Ok(Output::Flag(true))));
        assert_eq!((engine.in_flight(), engine.in_flight_bytes(), engine.shared.lock().reserved), (0, 0, 0));
    }
}

#[cfg(feature = "tokio")]
#[tokio::test(flavor = "current_thread")]
async fn an_expired_async_job_hears_busy_at_the_next_engine_event() {
    let engine = engine(1, 64 * MIB, Duration::from_millis(20));
    let log = Log::default();
    let (holder, release) = held("holder", MIB, &log);
    let holder = caller(&engine, holder);
    wait_until("the holder runs", || engine.in_flight() == 1);
    let (waiting, _keep) = held("async", MIB, &log);
    let mut waiting = std::pin::pin!(engine.run_async(waiting));
    assert!(futures_poll_once(waiting.as_mut()).await.is_pending());
    std::thread::sleep(Duration::from_millis(40));
    // Past its deadline, still behind the holder: the next submission
    // answers it, before the holder is done.
    assert!(matches!(engine.run(Job::task(0, || Ok(true))), Err(Error::Busy)));
    assert!(matches!(futures_poll_once(waiting.as_mut()).await, std::task::Poll::Ready(Err(Error::Busy))));
    assert!(!holder.is_finished());
    drop(release);
    assert!(holder.join().unwrap().is_ok());
    assert_eq!(started(&log), ["holder"]);
}

#[cfg(feature = "tokio")]
#[tokio::test(flavor = "current_thread")]
async fn a_dropped_async_job_is_withdrawn_and_never_runs() {
    let engine = engine(1, 64 * MIB, Duration::from_secs(60));
    let log = Log::default();
    let (holder, release) = held("holder", MIB, &log);
    let holder = caller(&engine, holder);
    wait_until("the holder runs", || engine.in_flight() == 1);
    let (dropped, keep) = held("dropped", MIB, &log);
    {
        let mut waiting = std::pin::pin!(engine.run_async(dropped));
        assert!(futures_poll_once(waiting.as_mut()).await.is_pending());
        assert_eq!(queued(&engine), 1);
    }
    // Its deadline is a minute away: only its abandonment withdraws it
    // when the holder's end dispatches the queue.
    release.send(()).unwrap();
    assert!(holder.join().unwrap().is_ok());
    wait_until("the queue empties", || queued(&engine) == 0);
    settle();
    assert_eq!((started(&log), engine.in_flight()), (vec!["holder"], 0));
    drop(keep);
}

#[cfg(feature = "tokio")]
async fn futures_poll_once<F: Future>(mut fut: std::pin::Pin<&mut F>) -> std::task::Poll<F::Output> {
    std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx))).await
}

#[test]
fn for_params_always_admits_one_hash_at_its_parameters() {
    let owasp = Limits::for_params(&Params::OWASP, Limits::DEFAULT_MEMORY_BUDGET);
    assert_eq!(owasp.memory_budget, Limits::DEFAULT_MEMORY_BUDGET);
    assert!(owasp.max_concurrent >= 1 && owasp.max_concurrent * Params::OWASP.memory_bytes() <= owasp.memory_budget);
    // A budget below one hash is raised to it: one at a time, never refused.
    let big = Params::new(1 << 20, 1, 1).unwrap(); // 1 GiB
    let limits = Limits::for_params(&big, Limits::DEFAULT_MEMORY_BUDGET);
    assert_eq!((limits.max_concurrent, limits.memory_budget), (1, big.memory_bytes()));
}

/// A task declaring `bytes` that records the thread it ran on, then holds
/// like [`held`].
fn held_on(name: &'static str, bytes: usize, log: &Log, threads: &Arc<Mutex<Vec<String>>>) -> (Job, mpsc::Sender<()>) {
    let (release, wait) = mpsc::channel::<()>();
    let (log, threads) = (Arc::clone(log), Arc::clone(threads));
    let job = Job::task(bytes, move || {
        threads.lock().unwrap().push(std::thread::current().name().unwrap_or_default().to_owned());
        log.lock().unwrap().push(name);
        Ok(wait.recv().is_ok())
    });
    (job, release)
}

#[test]
fn a_large_job_runs_in_its_own_lane_while_small_jobs_complete_beside_it() {
    let engine = engine(2, 4 * MIB, Duration::from_secs(60));
    let (log, threads) = (Log::default(), Arc::default());
    // Three quarters of the budget: above half, so the large lane.
    let (large, release) = held_on("large", 3 * MIB, &log, &threads);
    let large = caller(&engine, large);
    wait_until("the large job runs", || started(&log) == ["large"]);
    // The main lane keeps its whole budget: 2 MiB jobs, two at a time.
    let small: Vec<_> =
        (0..6).map(|_| caller(&engine, Job::task(2 * MIB, || Ok(std::thread::current().name().is_some())))).collect();
    for s in small {
        assert!(matches!(s.join().unwrap(), Ok(Output::Flag(true))));
    }
    assert!(!large.is_finished(), "the small jobs waited for the large one");
    assert_eq!(engine.shared.lock().reserved, 0, "the large job is not in the main lane's reservation");
    release.send(()).unwrap();
    assert!(large.join().unwrap().is_ok());
    assert_eq!(*threads.lock().unwrap(), ["guardrail-hash-large"]);
    // Main lane at most its budget, plus one large job.
    assert!(engine.peak_in_flight_bytes() <= 4 * MIB + 3 * MIB);
    assert!(engine.peak_in_flight_bytes() > 4 * MIB, "nothing ran beside the large job");
    assert!(engine.shared.lock().peak_reserved <= 4 * MIB);
    assert_eq!((engine.in_flight(), engine.in_flight_bytes()), (0, 0));
}

#[test]
fn two_large_jobs_run_one_after_the_other() {
    let engine = engine(4, 4 * MIB, Duration::from_secs(60));
    let (log, threads) = (Log::default(), Arc::default());
    let (first, release_first) = held_on("first", 3 * MIB, &log, &threads);
    let first = caller(&engine, first);
    wait_until("the first runs", || started(&log).len() == 1);
    let (second, release_second) = held_on("second", 3 * MIB, &log, &threads);
    let second = caller(&engine, second);
    wait_until("the second queues", || engine.shared.lock().large.queue.len() == 1);
    settle();
    // Free threads and main-lane memory, but one large job at a time.
    assert_eq!((started(&log), engine.in_flight()), (vec!["first"], 1));
    release_first.send(()).unwrap();
    wait_until("the second starts", || started(&log).len() == 2);
    drop(release_second);
    assert!(first.join().unwrap().is_ok() && second.join().unwrap().is_ok());
    assert_eq!(started(&log), ["first", "second"]);
    assert_eq!(*threads.lock().unwrap(), ["guardrail-hash-large", "guardrail-hash-large"]);
    assert_eq!(engine.peak_in_flight_bytes(), 3 * MIB);
}

#[test]
fn a_large_job_not_started_within_the_wait_is_busy_and_never_runs() {
    let engine = engine(2, 4 * MIB, Duration::from_millis(20));
    let log = Log::default();
    let (holder, release) = held("holder", 3 * MIB, &log);
    let holder = caller(&engine, holder);
    wait_until("the holder runs", || engine.in_flight() == 1);
    let (late, _keep) = held("late", 3 * MIB, &log);
    let asked = Instant::now();
    assert!(matches!(engine.run(late), Err(Error::Busy)));
    assert!(asked.elapsed() >= Duration::from_millis(20));
    assert_eq!(engine.shared.lock().large.queue.len(), 0);
    // A small job meanwhile is not held up.
    assert!(matches!(engine.run(Job::task(MIB, || Ok(true))), Ok(Output::Flag(true))));
    release.send(()).unwrap();
    assert!(holder.join().unwrap().is_ok());
    settle();
    assert_eq!(started(&log), ["holder"]);
}

#[test]
fn the_large_lane_takes_jobs_up_to_its_cap_above_the_budget() {
    let engine = engine(1, 2 * MIB, Duration::from_secs(60));
    engine.set_large_cap(8 * MIB as u64);
    assert!(matches!(engine.run(Job::task(8 * MIB, || Ok(true))), Ok(Output::Flag(true))));
    assert!(matches!(engine.run(Job::task(8 * MIB + 1, || Ok(true))), Err(Error::OutOfPolicy { param: "m", .. })));
    // Below the budget the cap changes nothing: the larger of the two bounds.
    engine.set_large_cap(MIB as u64);
    assert!(matches!(engine.run(Job::task(2 * MIB, || Ok(true))), Ok(Output::Flag(true))));
    assert!(matches!(engine.run(Job::task(2 * MIB + 1, || Ok(true))), Err(Error::OutOfPolicy { param: "m", .. })));
    assert_eq!(engine.peak_in_flight_bytes(), 8 * MIB);
}

#[cfg(feature = "fuzzing")]
#[test]
fn the_large_lane_keeps_no_memory_warm_and_wipes_what_it_frees() {
    // A 1 MiB argon2 job is large in a 1.5 MiB budget.
    let engine = engine(1, 3 * MIB / 2, Duration::from_secs(60));
    for _ in 0..2 {
        assert!(matches!(engine.run(argon2_mib()), Ok(Output::Tag(_))));
    }
    let state = engine.shared.lock();
    assert_eq!((state.large.audited, state.large.dirty, state.reserved), (2, false, 0));
    drop(state);
    // Nothing parked anywhere, and every release was clean.
    assert_eq!(engine.idle_memory_wiped(), Some(0));
    engine.shared.lock().large.dirty = true;
    assert_eq!(engine.idle_memory_wiped(), None, "the hook reports the large lane's releases");
}
