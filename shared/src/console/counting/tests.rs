use super::*;
use crate::console::memory::ConsoleAccount;
use crate::console::{Call, MemoryConsole, ScriptedConsole};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const NOW: i64 = 1_408_671_892;

fn console() -> MemoryConsole {
    let console = MemoryConsole::new(NOW);
    console.add_account(ConsoleAccount {
        username: "acct@example.com".into(),
        password: "right".into(),
        uin: 3_000_000_000,
        user_name: "gh_000000000000".into(),
        nick_name: "Account".into(),
    });
    console
}

#[tokio::test]
async fn requests_by_endpoint_logins_and_frequency_control_are_counted() -> TestResult {
    let throttled =
        ScriptedConsole::new(console(), |call| (call == Call::Messages).then_some(ConsoleError::FrequencyControl));
    let counting = CountingConsole::new(&throttled);
    assert!(counting.login("acct@example.com", &Secret::new("wrong".into()), None, NOW).await.is_err());
    let session = counting.login("acct@example.com", &Secret::new("right".into()), None, NOW).await?;
    counting.home(&session).await?;
    for _ in 0..2 {
        let answer = counting.messages(&session, MessageQuery::default()).await;
        assert_eq!(answer, Err(ConsoleError::FrequencyControl));
    }
    let counts = counting.counts();
    let requests: Vec<(Endpoint, usize)> = counts.requests.clone().into_iter().collect();
    assert_eq!(requests, [(Endpoint::Login, 2), (Endpoint::Home, 1), (Endpoint::Messages, 2)]);
    let throttled: Vec<(Endpoint, usize)> = counts.frequency_control.clone().into_iter().collect();
    assert_eq!(throttled, [(Endpoint::Messages, 2)]);
    assert_eq!((counts.logins, counts.logins_refused), (1, 1));

    let mut metrics = Metrics::new();
    counts.record(&mut metrics);
    assert_eq!(metrics.counted(CONSOLE_REQUESTS, &[(ENDPOINT, "login")]), Some(2.0));
    assert_eq!(metrics.counted(CONSOLE_REQUESTS, &[(ENDPOINT, "messages")]), Some(2.0));
    assert_eq!(metrics.counted(FREQUENCY_CONTROL, &[(ENDPOINT, "messages")]), Some(2.0));
    assert_eq!(metrics.counted(FREQUENCY_CONTROL, &[(ENDPOINT, "home")]), None);
    assert_eq!(metrics.counted(CONSOLE_LOGINS, &[(OUTCOME, "ok")]), Some(1.0));
    assert_eq!(metrics.counted(CONSOLE_LOGINS, &[(OUTCOME, "refused")]), Some(1.0));
    Ok(())
}

#[test]
fn endpoint_names_are_distinct_snake_case() {
    let all = [
        Endpoint::Login,
        Endpoint::Home,
        Endpoint::Followers,
        Endpoint::CreateGroup,
        Endpoint::MoveToGroup,
        Endpoint::ContactInfo,
        Endpoint::Avatar,
        Endpoint::Messages,
        Endpoint::NewMessageCount,
        Endpoint::Dialog,
    ];
    let names: std::collections::BTreeSet<&str> = all.iter().map(|e| e.name()).collect();
    assert_eq!(names.len(), all.len());
    assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
}
