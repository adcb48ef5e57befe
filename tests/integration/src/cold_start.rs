//! Cold start, measured from outside: a stand-in for the Lambda Runtime API
//! that notes when a function first asks for work, and a runner that starts a
//! function's binary and times exec → first `GET .../invocation/next`.
//!
//! The stand-in never answers `/next`: a function that has asked is ready, and
//! the runner stops it there. Any other request (an init error) is answered
//! `202` and reported, so a function that cannot start fails the measurement
//! instead of timing out.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread;
use std::time::{Duration, Instant};

/// The path a function polls for its next event.
pub const NEXT_PATH: &str = "/2018-06-01/runtime/invocation/next";

/// One request the stand-in saw, with the moment its head was complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub at: Instant,
    pub method: String,
    pub path: String,
}

impl Seen {
    pub fn is_next(&self) -> bool {
        self.method == "GET" && self.path == NEXT_PATH
    }
}

/// The Runtime API stand-in, listening on a loopback port until dropped with
/// the process.
pub struct FakeRuntime {
    addr: SocketAddr,
    seen: Receiver<Seen>,
}

impl FakeRuntime {
    pub fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let (tx, seen) = channel();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let tx = tx.clone();
                thread::spawn(move || serve(stream, &tx));
            }
        });
        Ok(Self { addr, seen })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Forgets what earlier runs left behind.
    pub fn drain(&self) {
        while self.seen.try_recv().is_ok() {}
    }

    /// The next request seen, waiting at most `wait`.
    pub fn next_seen(&self, wait: Duration) -> Option<Seen> {
        self.seen.recv_timeout(wait).ok()
    }
}

/// Reads request heads off one connection; holds `/next`, answers the rest.
fn serve(stream: TcpStream, tx: &Sender<Seen>) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Some((method, path, length)) = read_head(&mut reader) {
        let seen = Seen { at: Instant::now(), method, path };
        let next = seen.is_next();
        if tx.send(seen).is_err() {
            return;
        }
        if next {
            // Held: wait for the caller to go away.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
            return;
        }
        let _ = std::io::copy(&mut (&mut reader).take(length), &mut std::io::sink());
        let _ = writer.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n");
    }
}

/// Method, path and `content-length` of one request head; `None` at the end
/// of the connection.
fn read_head(reader: &mut impl BufRead) -> Option<(String, String, u64)> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok().filter(|n| *n > 0)?;
        let header = header.trim_end();
        if header.is_empty() {
            return Some((method, path, length));
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
}

/// What a Lambda container sets for a function, pointed at `runtime`; dummy
/// credentials and region, as the platform hands them over.
pub fn lambda_env(runtime: &FakeRuntime, function: &str) -> Vec<(String, String)> {
    let pairs = [
        ("AWS_LAMBDA_RUNTIME_API", runtime.address()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "cold-start".to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "AKIDCOLDSTART".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "cold-start-secret".to_owned()),
        ("AWS_SESSION_TOKEN", "cold-start-token".to_owned()),
        ("LAMBDA_TASK_ROOT", "/var/task".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
        ("TABLE_NAME", "whosent-cold-start".to_owned()),
        ("CONSOLE_URL", "http://127.0.0.1:9".to_owned()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// How long a function took to ask for its first event.
#[derive(Debug, Clone, Copy)]
pub struct Start {
    /// From just before the exec to the `/next` request.
    pub wall: Duration,
    /// CPU time its threads had used by then (Linux; zero elsewhere): what
    /// the start costs whatever else the machine is doing.
    pub cpu: Duration,
}

/// Starts `binary` with exactly `env` and measures it up to its first
/// `/next`. The process is stopped afterwards.
pub fn time_to_next(
    runtime: &FakeRuntime,
    binary: &Path,
    env: &[(String, String)],
    wait: Duration,
) -> Result<Start, String> {
    runtime.drain();
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let outcome = first_next(runtime, &mut child, started + wait);
    // Held at /next, the process is idle: its CPU time is final.
    let cpu = cpu_time(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let at = outcome.map_err(|e| format!("{}: {e}", binary.display()))?;
    Ok(Start { wall: at.duration_since(started), cpu })
}

/// The CPU time of every thread of process `pid`, from
/// `/proc/PID/task/*/schedstat` (nanoseconds on the CPU, first field).
fn cpu_time(pid: u32) -> Duration {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Duration::ZERO };
    let nanos = tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

/// Waits for the child's first `/next` until `deadline`, noticing an exit or
/// another request first.
fn first_next(runtime: &FakeRuntime, child: &mut Child, deadline: Instant) -> Result<Instant, String> {
    loop {
        if let Some(seen) = runtime.next_seen(Duration::from_millis(5)) {
            if seen.is_next() {
                return Ok(seen.at);
            }
            return Err(format!("asked {} {} before /next", seen.method, seen.path));
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited ({status}) before asking for /next"));
        }
        if Instant::now() >= deadline {
            return Err("no /next in time".to_owned());
        }
    }
}

/// Time from just before the exec to the exit of `binary` run with no
/// arguments: what starting any process costs here.
pub fn time_to_exit(binary: &Path) -> Result<Duration, String> {
    let started = Instant::now();
    let status = Command::new(binary)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let took = started.elapsed();
    if status.success() { Ok(took) } else { Err(format!("{}: {status}", binary.display())) }
}

/// The median of `times`, in milliseconds.
pub fn median_ms(times: &mut [Duration]) -> f64 {
    times.sort_unstable();
    match times.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => times[n / 2].as_secs_f64() * 1e3,
        n => (times[n / 2 - 1] + times[n / 2]).as_secs_f64() * 1e3 / 2.0,
    }
}

#[cfg(test)]
#[path = "tests/cold_start.rs"]
mod tests;
