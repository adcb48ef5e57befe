//! Figures for the emulator: console requests per second with the server on
//! one core and no injected latency, and the time to build a world of 2,000
//! followers over 3 accounts.
//!
//! `cargo bench -p whosent-platform --bench console`

use std::sync::mpsc;
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use platform::http::Connection;
use platform::{Config, Knobs, Mix, Pace, Platform, Traffic, World, WorldConfig};

const CLIENT_CONNECTIONS: usize = 16;
const MEASURE: Duration = Duration::from_secs(4);

fn main() {
    world_build();
    console_throughput();
}

fn world_build() {
    let config = WorldConfig { seed: 1, accounts: 3, followers: 2000, ..WorldConfig::default() };
    let mut times: Vec<Duration> = (0..21)
        .map(|i| {
            let config = WorldConfig { seed: i, ..config.clone() };
            let started = Instant::now();
            let world = World::build(&config, 1_408_671_892);
            let elapsed = started.elapsed();
            assert!(world.follows.len() >= 2000);
            elapsed
        })
        .collect();
    times.sort();
    println!("world build, 2,000 followers over 3 accounts: median {:?}, max {:?}", times[10], times[20]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let started = Instant::now();
    let platform = runtime.block_on(Platform::start(Config::seeded(1))).expect("start");
    println!("platform start (world, state, two listeners): {:?}", started.elapsed());
    drop(platform);
}

struct Target {
    addr: std::net::SocketAddr,
    token: String,
    cookie: String,
    fakeid: u64,
    uin: u64,
}

fn console_throughput() {
    let (ready, targets) = mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // The server: one thread, one core.
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let platform = Platform::start(Config::seeded(1).knobs(Knobs::instant())).await.expect("start");
            // Some history for the message list and dialog pages.
            let traffic =
                Traffic { count: 2000, rate: 50.0, pace: Pace::Virtual, mix: Mix::default(), ..Traffic::default() };
            platform.run(&traffic).await;
            let account = platform.accounts()[0].clone();
            let fakeid = platform.world().people[platform.followers(0)[0].person].fakeid;
            let _ = ready.send((platform.console_addr(), account, fakeid));
            let _ = stopped.await;
            let counters = platform.counters();
            let total: u64 = counters.requests.values().sum();
            println!("server counted {total} console requests");
        });
    });
    let (addr, account, fakeid) = targets.recv().expect("server ready");

    let client = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let rate = client.block_on(async move {
        let mut login = Connection::connect(addr).await.expect("connect");
        let pwd = hex::encode(Md5::digest(account.password.as_bytes()));
        let form = format!("username={}&pwd={pwd}&imgcode=&f=json", account.username.replace('@', "%40"));
        let answer = login
            .send("POST", "/cgi-bin/login", &[("content-type", "application/x-www-form-urlencoded")], form.into_bytes())
            .await
            .expect("login");
        let json = answer.json().expect("login JSON");
        let token = json["redirect_url"].as_str().expect("redirect").rsplit_once("token=").expect("token").1.to_owned();
        let cookie =
            answer.headers_named("set-cookie").filter_map(|c| c.split(';').next()).collect::<Vec<_>>().join("; ");
        let target = std::sync::Arc::new(Target { addr, token, cookie, fakeid, uin: account.uin });
        let deadline = Instant::now() + MEASURE;
        let mut tasks = Vec::new();
        for worker in 0..CLIENT_CONNECTIONS {
            let target = target.clone();
            tasks.push(tokio::spawn(async move { hammer(&target, worker, deadline).await }));
        }
        let started = Instant::now();
        let mut done = 0u64;
        for task in tasks {
            done += task.await.expect("worker");
        }
        done as f64 / started.elapsed().as_secs_f64()
    });
    let _ = stop.send(());
    let _ = server.join();
    println!(
        "console: {rate:.0} requests/s (server on one core, {CLIENT_CONNECTIONS} kept-alive connections, \
         no injected latency; mix of contactmanage, message list, getnewmsgnum, getcontactinfo, singlesendpage)"
    );
}

/// Requests in a loop until `deadline`; how many were answered `ret 0`.
async fn hammer(target: &Target, worker: usize, deadline: Instant) -> u64 {
    let mut connection = Connection::connect(target.addr).await.expect("connect");
    let token = &target.token;
    let gets = [
        format!(
            "/cgi-bin/contactmanage?t=user/index&pagesize=10&pageidx={worker}&type=0&groupid=0&lang=zh_CN&f=json&token={token}"
        ),
        format!("/cgi-bin/message?t=message/list&f=json&lang=zh_CN&count=20&day=7&frommsgid=&offset=0&token={token}"),
        format!("/cgi-bin/getnewmsgnum?f=json&t=ajax-getmsgnum&lastmsgid=0&token={token}"),
        format!(
            "/cgi-bin/singlesendpage?tofakeid={}&action=sync&lastmsgfromfakeid={}&lastmsgid=0&createtime=0&token={token}&lang=zh_CN&f=json&ajax=1",
            target.fakeid, target.uin
        ),
    ];
    let info = format!("t=ajax-getcontactinfo&fakeid={}&token={token}&ajax=1&lang=zh_CN&random=0.5", target.fakeid);
    let headers = [("cookie", target.cookie.as_str()), ("content-type", "application/x-www-form-urlencoded")];
    let mut ok = 0;
    let mut i = worker;
    while Instant::now() < deadline {
        let answer = if i % 5 == 4 {
            connection.send("POST", "/cgi-bin/getcontactinfo", &headers, info.clone().into_bytes()).await
        } else {
            connection.send("GET", &gets[i % 5], &headers, Vec::new()).await
        };
        let answer = answer.expect("answer");
        assert!(answer.body.starts_with(b"{\"base_resp\":{\"ret\":0"), "{}", answer.text());
        ok += 1;
        i += 1;
    }
    ok
}
